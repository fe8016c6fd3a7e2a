// Named checksum validators and the entropy measure used by the matcher's post-confirmation filters.
#include <array>
#include <cmath>
#include <cstdint>

#include <zlib.h>

#include "engine/strings.h"
#include "engine/matcher.h"

namespace keysweep {
namespace {

// GitHub-style tokens (gh?_, npm_): <prefix>_<30 random base62><6 base62 of CRC32(random)>.
// Base62 alphabet 0-9A-Za-z, most significant digit first, left-padded with '0'.
bool GithubCrc32(std::string_view token) {
  size_t us = token.rfind('_');
  std::string_view body = us == std::string_view::npos ? token : token.substr(us + 1);
  if (body.size() < 7) return false;
  std::string_view random = body.substr(0, body.size() - 6);
  std::string_view check = body.substr(body.size() - 6);
  uint64_t value = 0;
  for (char c : check) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 36;
    else return false;
    value = value * 62 + static_cast<uint64_t>(d);
  }
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(random.data()), static_cast<uInt>(random.size()));
  return value == static_cast<uint64_t>(crc);
}

}  // namespace

bool IsKnownValidator(std::string_view name) { return name == "github-crc32"; }

bool RunValidator(std::string_view name, std::string_view secret) {
  if (name == "github-crc32") return GithubCrc32(secret);
  return false;
}

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (uint32_t c : counts) {
    if (c == 0) continue;
    const double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace keysweep
