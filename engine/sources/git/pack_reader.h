// PackReader: reads objects straight from a repository's pack files (mmap, ISA-L inflate, git's
// delta format), with a delta-base cache of its own. Why not libgit2 for this: on a 20,000-commit history
// libgit2 spent most of its read time in malloc/free and its pack-cache mutex (measured with perf),
// about 10 us per object, several times what git itself needs. Objects not in a pack (loose, or in
// an alternate object store) are reported as kNotInPack and the caller falls back to libgit2.
//
// Thread-safety: one PackReader per thread (its cache and inflate state are unsynchronized); the
// PackOrder it shares is immutable.
#pragma once
#include <git2.h>
#include <isa-l/igzip_lib.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/sources/git/pack_order.h"

namespace keysweep::git {

class PackReader {
 public:
  enum class Result { kOk, kNotInPack, kCorrupt, kTooLarge };

  // `cache_bytes` bounds the delta-base cache.
  PackReader(std::shared_ptr<const PackOrder> packs, size_t cache_bytes = 32u << 20);
  ~PackReader();
  PackReader(const PackReader&) = delete;
  PackReader& operator=(const PackReader&) = delete;

  // Reads object `id`: its type (commit, tree, blob, tag) and content. On kCorrupt, *error says
  // what is wrong (pack, offset, reason). *size (if given) receives the object's size. An object
  // larger than max_size gives kTooLarge: a whole one is refused before inflating, a deltified one
  // only after (git never deltifies objects above core.bigFileThreshold, 512 MiB by default).
  Result Read(const git_oid& id, git_object_t* type, std::string* data, std::string* error,
              uint64_t max_size = UINT64_MAX, uint64_t* size = nullptr);

 private:
  struct Pack {
    const unsigned char* map = nullptr;
    size_t size = 0;
  };
  struct Cached {
    git_object_t type;
    std::shared_ptr<const std::string> data;
  };
  // Header of the object at `offset`: type (1-4 or 6/7 for deltas), inflated size, data start and,
  // for deltas, the base's offset.
  struct Header {
    int type = 0;
    uint64_t size = 0;
    size_t data = 0;
    uint64_t base = 0;
    uint32_t base_pack = 0;
  };
  bool ParseHeader(uint32_t pack, uint64_t offset, Header* h, std::string* error);
  bool Inflate(uint32_t pack, size_t at, uint64_t size, std::string* out, std::string* error);
  Result ReadAt(uint32_t pack, uint64_t offset, uint64_t max_size, Cached* out, uint64_t* size,
                std::string* error);
  const Cached* CacheGet(uint64_t key);
  void CachePut(uint64_t key, Cached value);

  std::shared_ptr<const PackOrder> packs_;
  std::vector<Pack> maps_;
  // ISA-L inflates whole objects: about 3x zlib's speed here, and inflating is most of the work.
  std::unique_ptr<inflate_state> isal_ = std::make_unique<inflate_state>();
  // LRU of delta bases keyed by (pack << 48 | offset).
  size_t cache_limit_, cache_used_ = 0;
  std::list<std::pair<uint64_t, Cached>> lru_;
  absl::flat_hash_map<uint64_t, std::list<std::pair<uint64_t, Cached>>::iterator> cache_;
};

// Applies a git delta to `base`; false on a malformed delta.
bool ApplyDelta(std::string_view base, std::string_view delta, std::string* out);

}  // namespace keysweep::git
