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

// Atlassian-style tokens (ATATT..., ATTA...): the last 8 chars are the CRC32 of everything before
// them (prefix included) as upper-case hex.
// Packagist uses the same scheme in lower case.
bool Crc32HexSuffix(std::string_view token, bool upper) {
  if (token.size() < 9) return false;
  std::string_view head = token.substr(0, token.size() - 8);
  const char a = upper ? 'A' : 'a';
  uint32_t value = 0;
  for (char c : token.substr(token.size() - 8)) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= a && c <= a + 5) d = c - a + 10;
    else return false;
    value = value * 16 + static_cast<uint32_t>(d);
  }
  return value == crc32(0L, reinterpret_cast<const Bytef*>(head.data()), static_cast<uInt>(head.size()));
}

// Grafana service-account tokens: glsa_<32 alnum>_<8 hex>; the hex is the CRC32 of the text before
// the last '_', least-significant byte first, lower case.
bool GrafanaCrc32Le(std::string_view token) {
  const size_t us = token.rfind('_');
  if (us == std::string_view::npos || token.size() - us - 1 != 8) return false;
  std::string_view head = token.substr(0, us);
  const uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(head.data()), static_cast<uInt>(head.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string_view check = token.substr(us + 1);
  for (int i = 0; i < 4; ++i) {
    const unsigned byte = (crc >> (8 * i)) & 0xff;
    if (check[2 * i] != kHex[byte >> 4] || check[2 * i + 1] != kHex[byte & 15]) return false;
  }
  return true;
}

// GitLab routable tokens: <prefix><payload>.01.<2 base36 length><7 base36 CRC32 of all before>.
// Tokens without the ".01." part are the older random format and pass.
bool GitlabRoutableCrc32(std::string_view token) {
  const size_t dot = token.rfind(".01.");
  if (dot == std::string_view::npos) return true;
  if (token.size() - dot != 4 + 2 + 7) return false;
  std::string_view head = token.substr(0, token.size() - 7);
  uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(head.data()), static_cast<uInt>(head.size()));
  char expect[7];
  for (int i = 6; i >= 0; --i) {
    expect[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[crc % 36];
    crc /= 36;
  }
  return token.substr(token.size() - 7) == std::string_view(expect, 7);
}

}  // namespace

bool IsKnownValidator(std::string_view name) {
  if (name == "gitlab-routable-crc32") return true;
  return name == "github-crc32" || name == "atlassian-crc32-hex" || name == "packagist-crc32-hex" ||
         name == "grafana-crc32-le";
}

bool RunValidator(std::string_view name, std::string_view secret) {
  if (name == "github-crc32") return GithubCrc32(secret);
  if (name == "gitlab-routable-crc32") return GitlabRoutableCrc32(secret);
  if (name == "atlassian-crc32-hex") return Crc32HexSuffix(secret, true);
  if (name == "packagist-crc32-hex") return Crc32HexSuffix(secret, false);
  if (name == "grafana-crc32-le") return GrafanaCrc32Le(secret);
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
