#include "engine/sources/git/pack_order.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace keysweep::git {
namespace {

constexpr size_t kHeader = 8, kFanout = 256 * 4, kHash = 20;

uint32_t Be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

}  // namespace

PackOrder PackOrder::Load(git_repository* repo) {
  PackOrder order;
  std::filesystem::path dir = std::filesystem::path(git_repository_commondir(repo)) / "objects" / "pack";
  std::error_code ec;
  std::vector<std::filesystem::path> idx_files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".idx") idx_files.push_back(entry.path());
  }
  std::sort(idx_files.begin(), idx_files.end());
  for (const auto& path : idx_files) {
    std::ifstream in(path, std::ios::binary);
    Index idx;
    idx.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const std::string& b = idx.bytes;
    if (b.size() < kHeader + kFanout || std::memcmp(b.data(), "\377tOc", 4) != 0 ||
        Be32(b.data() + 4) != 2) {
      continue;  // version 1 indexes (pre-2008 git) are rare; they just lose the ordering
    }
    idx.count = Be32(b.data() + kHeader + 255 * 4);
    // hashes, CRCs and 32-bit offsets must all be present
    if (b.size() < kHeader + kFanout + uint64_t{idx.count} * (kHash + 4 + 4)) continue;
    idx.pack_path = std::filesystem::path(path).replace_extension(".pack").string();
    order.packs_.push_back(std::move(idx));
  }
  return order;
}

bool PackOrder::Find(const git_oid& id, uint32_t* pack, uint64_t* offset) const {
  for (uint32_t p = 0; p < packs_.size(); ++p) {
    const Index& idx = packs_[p];
    const char* base = idx.bytes.data();
    const unsigned first = id.id[0];
    uint32_t lo = first == 0 ? 0 : Be32(base + kHeader + (first - 1) * 4);
    uint32_t hi = Be32(base + kHeader + first * 4);
    const char* hashes = base + kHeader + kFanout;
    auto entry = [&](uint32_t i) { return hashes + uint64_t{i} * kHash; };
    auto key = [](const void* h) {  // bytes 1..8 of an id, big-endian: its place within the bucket
      const auto* u = static_cast<const unsigned char*>(h) + 1;
      uint64_t k = 0;
      for (int i = 0; i < 8; ++i) k = (k << 8) | u[i];
      return k;
    };
    // Object ids are uniformly distributed, so interpolating finds the entry in two or three
    // probes where a binary search takes ten or more (each a likely cache miss: measured at about
    // a tenth of the walk's time). A few rounds, then plain binary search as the safe fallback.
    const uint64_t want = key(id.id);
    for (int round = 0; round < 4 && hi - lo > 8; ++round) {
      const uint64_t klo = key(entry(lo)), khi = key(entry(hi - 1));
      if (want < klo || want > khi || khi == klo) break;
      const uint32_t span = hi - 1 - lo;
      const uint32_t mid = lo + static_cast<uint32_t>(
                                    static_cast<unsigned __int128>(want - klo) * span / (khi - klo));
      const int c = std::memcmp(entry(mid), id.id, kHash);
      if (c == 0) {
        lo = mid;
        hi = mid + 1;
        break;
      }
      if (c < 0) lo = mid + 1; else hi = mid;
    }
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      const int c = std::memcmp(entry(mid), id.id, kHash);
      if (c == 0) {
        const char* offsets = hashes + uint64_t{idx.count} * (kHash + 4);
        uint64_t off = Be32(offsets + uint64_t{mid} * 4);
        if (off & 0x80000000u) {  // index into the table of 64-bit offsets
          const uint64_t pos = uint64_t{idx.count} * (kHash + 8) + (off & 0x7fffffffu) * 8;
          if (kHeader + kFanout + pos + 8 > idx.bytes.size()) return false;
          const char* big = hashes + pos;
          off = (uint64_t{Be32(big)} << 32) | Be32(big + 4);
        }
        *pack = p;
        *offset = off;
        return true;
      }
      if (c < 0) lo = mid + 1; else hi = mid;
    }
  }
  return false;
}

}  // namespace keysweep::git
