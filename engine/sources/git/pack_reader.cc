#include "engine/sources/git/pack_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace keysweep::git {
namespace {

constexpr int kOfsDelta = 6, kRefDelta = 7;
constexpr size_t kMaxChain = 10000;  // far beyond git's own limits; stops loops in corrupt packs
constexpr size_t kMaxCachedObject = 4u << 20;

uint64_t Key(uint32_t pack, uint64_t offset) { return (uint64_t{pack} << 48) | offset; }

// Little-endian base-128 size, as in a delta header.
bool DeltaVarint(std::string_view d, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  int shift = 0;
  for (;;) {
    if (*pos >= d.size() || shift > 63) return false;
    const unsigned char c = static_cast<unsigned char>(d[(*pos)++]);
    v |= uint64_t{c & 0x7fu} << shift;
    shift += 7;
    if (!(c & 0x80)) break;
  }
  *out = v;
  return true;
}

}  // namespace

bool ApplyDelta(std::string_view base, std::string_view delta, std::string* out) {
  size_t pos = 0;
  uint64_t src_size, dst_size;
  if (!DeltaVarint(delta, &pos, &src_size) || !DeltaVarint(delta, &pos, &dst_size)) return false;
  if (src_size != base.size()) return false;
  out->clear();
  // The announced size comes from the file: reserve only what is plausible, let append grow.
  out->reserve(std::min<uint64_t>(dst_size, 4 * (base.size() + delta.size()) + 4096));
  while (pos < delta.size()) {
    const unsigned char op = static_cast<unsigned char>(delta[pos++]);
    if (op & 0x80) {  // copy from the base
      uint64_t off = 0, len = 0;
      for (int i = 0; i < 4; ++i) {
        if (op & (1u << i)) {
          if (pos >= delta.size()) return false;
          off |= uint64_t{static_cast<unsigned char>(delta[pos++])} << (8 * i);
        }
      }
      for (int i = 0; i < 3; ++i) {
        if (op & (0x10u << i)) {
          if (pos >= delta.size()) return false;
          len |= uint64_t{static_cast<unsigned char>(delta[pos++])} << (8 * i);
        }
      }
      if (len == 0) len = 0x10000;
      if (off + len > base.size() || out->size() + len > dst_size) return false;
      out->append(base.data() + off, len);
    } else if (op != 0) {  // insert literal bytes
      if (pos + op > delta.size() || out->size() + op > dst_size) return false;
      out->append(delta.data() + pos, op);
      pos += op;
    } else {
      return false;  // reserved opcode
    }
  }
  return out->size() == dst_size;
}

PackReader::PackReader(std::shared_ptr<const PackOrder> packs, size_t cache_bytes)
    : packs_(std::move(packs)), cache_limit_(cache_bytes) {
  for (uint32_t i = 0; i < packs_->pack_count(); ++i) {
    Pack p;
    const int fd = ::open(packs_->pack_path(i).c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && st.st_size > 12) {
      void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED && std::memcmp(m, "PACK", 4) == 0) {
        p.map = static_cast<const unsigned char*>(m);
        p.size = static_cast<size_t>(st.st_size);
      } else if (m != MAP_FAILED) {
        ::munmap(m, static_cast<size_t>(st.st_size));
      }
    }
    if (fd >= 0) ::close(fd);
    maps_.push_back(p);  // an unusable pack stays empty: its objects fall back to libgit2
  }
  isal_inflate_init(isal_.get());
}

PackReader::~PackReader() {
  for (const Pack& p : maps_) {
    if (p.map != nullptr) ::munmap(const_cast<unsigned char*>(p.map), p.size);
  }
}

bool PackReader::ParseHeader(uint32_t pack, uint64_t offset, Header* h, std::string* error) {
  const Pack& p = maps_[pack];
  auto fail = [&](const char* why) {
    *error = absl::StrCat(packs_->pack_path(pack), " at offset ", offset, ": ", why);
    return false;
  };
  size_t pos = static_cast<size_t>(offset);
  if (offset < 12 || pos >= p.size) return fail("offset outside the pack");
  unsigned char c = p.map[pos++];
  h->type = (c >> 4) & 7;
  h->size = c & 15u;
  int shift = 4;
  while (c & 0x80) {
    if (pos >= p.size || shift > 57) return fail("bad object header");
    c = p.map[pos++];
    h->size |= uint64_t{c & 0x7fu} << shift;
    shift += 7;
  }
  if (h->type == kOfsDelta) {
    if (pos >= p.size) return fail("truncated delta header");
    c = p.map[pos++];
    uint64_t back = c & 127u;
    while (c & 0x80) {
      if (pos >= p.size || back > (uint64_t{1} << 56)) return fail("bad delta base offset");
      c = p.map[pos++];
      back = ((back + 1) << 7) | (c & 127u);
    }
    if (back == 0 || back >= offset) return fail("delta base outside the pack");
    h->base = offset - back;
    h->base_pack = pack;
  } else if (h->type == kRefDelta) {
    if (pos + GIT_OID_RAWSZ > p.size) return fail("truncated delta base id");
    git_oid base;
    git_oid_fromraw(&base, p.map + pos);
    pos += GIT_OID_RAWSZ;
    if (!packs_->Find(base, &h->base_pack, &h->base) || maps_[h->base_pack].map == nullptr) {
      return fail("delta base not in any pack");
    }
  } else if (h->type < 1 || h->type > 4) {
    return fail("unknown object type");
  }
  h->data = pos;
  return true;
}

bool PackReader::Inflate(uint32_t pack, size_t at, uint64_t size, std::string* out,
                         std::string* error) {
  const Pack& p = maps_[pack];
  // Deflate expands at most about 1032:1; a larger announced size is a corrupt header, and
  // allocating it could exhaust memory.
  if (size > (p.size - at) * 1032 + 64) {
    *error = absl::StrCat(packs_->pack_path(pack), " at offset ", at, ": implausible object size ", size);
    return false;
  }
  out->resize(size);
  inflate_state* st = isal_.get();
  isal_inflate_reset(st);
  st->crc_flag = ISAL_ZLIB;  // parse the zlib header and verify the adler32 trailer
  st->next_in = const_cast<unsigned char*>(p.map + at);
  st->avail_in = static_cast<uint32_t>(std::min<size_t>(p.size - at, UINT32_MAX));
  st->next_out = reinterpret_cast<unsigned char*>(out->data());
  st->avail_out = static_cast<uint32_t>(size);
  const int rc = size > UINT32_MAX ? ISAL_INVALID_BLOCK : isal_inflate(st);
  // Finished exactly at the announced size; a longer stream stops short of ISAL_BLOCK_FINISH.
  if (rc != ISAL_DECOMP_OK || st->block_state != ISAL_BLOCK_FINISH || st->total_out != size) {
    *error = absl::StrCat(packs_->pack_path(pack), " at offset ", at, ": corrupt zlib stream (",
                          rc != ISAL_DECOMP_OK ? "inflate error" : "wrong size", ")");
    return false;
  }
  return true;
}

const PackReader::Cached* PackReader::CacheGet(uint64_t key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return &it->second->second;
}

void PackReader::CachePut(uint64_t key, Cached value) {
  const size_t bytes = value.data->size();
  if (bytes > kMaxCachedObject || cache_.contains(key)) return;
  lru_.emplace_front(key, std::move(value));
  cache_.emplace(key, lru_.begin());
  cache_used_ += bytes;
  while (cache_used_ > cache_limit_ && !lru_.empty()) {
    cache_used_ -= lru_.back().second.data->size();
    cache_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

PackReader::Result PackReader::ReadAt(uint32_t pack, uint64_t offset, uint64_t max_size,
                                      Cached* out, uint64_t* size, std::string* error) {
  // Walk down the delta chain to a cached object or a whole one, then apply the deltas back up,
  // caching each intermediate result: its siblings in the chain are likely read next.
  std::vector<std::pair<uint32_t, Header>> chain;
  Cached base;
  for (;;) {
    if (const Cached* c = CacheGet(Key(pack, offset))) {
      base = *c;
      break;
    }
    Header h;
    if (!ParseHeader(pack, offset, &h, error)) return Result::kCorrupt;
    if (chain.empty() && h.type != kOfsDelta && h.type != kRefDelta && h.size > max_size) {
      *size = h.size;
      return Result::kTooLarge;
    }
    if (h.type != kOfsDelta && h.type != kRefDelta) {
      auto data = std::make_shared<std::string>();
      if (!Inflate(pack, h.data, h.size, data.get(), error)) return Result::kCorrupt;
      base = {static_cast<git_object_t>(h.type), std::move(data)};
      if (!chain.empty()) CachePut(Key(pack, offset), base);
      break;
    }
    if (chain.size() >= kMaxChain) {
      *error = absl::StrCat(packs_->pack_path(pack), " at offset ", offset, ": delta chain loops");
      return Result::kCorrupt;
    }
    chain.push_back({pack, h});
    pack = h.base_pack;
    offset = h.base;
  }
  std::string delta;
  while (!chain.empty()) {
    auto [p, h] = chain.back();
    chain.pop_back();
    if (!Inflate(p, h.data, h.size, &delta, error)) return Result::kCorrupt;
    auto result = std::make_shared<std::string>();
    if (!ApplyDelta(*base.data, delta, result.get())) {
      *error = absl::StrCat(packs_->pack_path(p), ": malformed delta at offset ", h.data);
      return Result::kCorrupt;
    }
    base.data = std::move(result);
    if (!chain.empty()) {
      // The key of this intermediate: where the next delta up points to.
      const Header& up = chain.back().second;
      CachePut(Key(up.base_pack, up.base), base);
    }
  }
  *size = base.data->size();
  if (*size > max_size) return Result::kTooLarge;
  *out = std::move(base);
  return Result::kOk;
}

PackReader::Result PackReader::Read(const git_oid& id, git_object_t* type, std::string* data,
                                    std::string* error, uint64_t max_size, uint64_t* size) {
  uint32_t pack;
  uint64_t offset;
  if (!packs_->Find(id, &pack, &offset) || maps_[pack].map == nullptr) return Result::kNotInPack;
  Cached c;
  uint64_t ignored;
  const Result r = ReadAt(pack, offset, max_size, &c, size != nullptr ? size : &ignored, error);
  if (r != Result::kOk) return r;
  *type = c.type;
  if (c.data.use_count() == 1) {
    // Not in the cache: nobody else sees it, so hand the bytes over instead of copying them.
    *data = std::move(*std::const_pointer_cast<std::string>(c.data));
  } else {
    data->assign(*c.data);
  }
  return Result::kOk;
}

}  // namespace keysweep::git
