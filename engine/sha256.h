// SHA-256 helpers (OpenSSL). Thread-safe.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace keysweep {

std::array<unsigned char, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
std::string HexEncode(std::string_view bytes);

}  // namespace keysweep
