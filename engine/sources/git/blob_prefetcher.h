// BlobPrefetcher: reads (inflates) a fixed list of blobs ahead of the consumer, on its own threads,
// and hands them out in list order. Inflating is most of the cost of scanning history, and the
// pipeline's reader stage is serial, so this is what lets blob reading use more than one core.
// Each thread opens its own git_repository: libgit2 objects are not shared across threads.
// Memory is bounded by `window` blobs and by `byte_budget` bytes in flight (plus one blob).
//
// Thread-safety: Take() from one thread at a time; the worker threads are internal.
#pragma once
#include <git2.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/sources/git/git_handles.h"
#include "engine/sources/git/pack_reader.h"

namespace keysweep::git {

struct BlobRead {
  enum class Status { kOk, kTooLarge, kMissing, kCorrupt };
  Status status = Status::kOk;
  uint64_t size = 0;    // the blob's size (also when too large)
  std::string data;     // kOk only
  std::string error;    // kMissing / kCorrupt: libgit2's message
};

// Reads one blob, from `packs` when it is packed (packs may be null) and else from `odb`,
// refusing (without inflating) blobs larger than max_size.
BlobRead ReadBlob(git_odb* odb, PackReader* packs, const git_oid& id, uint64_t max_size);

class BlobPrefetcher {
 public:
  // threads == 0 reads inline in Take() through `odb`, which must outlive the prefetcher.
  // `packs` (may be null) is the repository's pack index: packed blobs are read with PackReader.
  static absl::StatusOr<std::unique_ptr<BlobPrefetcher>> Start(const std::string& repo_path,
                                                               git_odb* odb,
                                                               std::shared_ptr<const PackOrder> packs,
                                                               std::vector<git_oid> ids,
                                                               int threads, size_t window,
                                                               uint64_t max_size,
                                                               uint64_t byte_budget = 256ull << 20);
  ~BlobPrefetcher();
  // Returns blob i of the list; calls must ask for 0, 1, 2, ... in order.
  BlobRead Take(size_t i);

 private:
  struct Slot {
    bool ready = false;
    size_t index = 0;
    BlobRead read;
  };
  BlobPrefetcher(git_odb* odb, std::vector<git_oid> ids, size_t window, uint64_t max_size,
                 uint64_t byte_budget);
  void Work(git_odb* odb, PackReader* packs);

  git_odb* inline_odb_;
  std::vector<git_oid> ids_;
  const size_t window_;
  const uint64_t max_size_, byte_budget_;
  std::vector<RepoPtr> repos_;
  std::vector<OdbPtr> odbs_;
  std::vector<std::unique_ptr<PackReader>> readers_;  // [0]: inline; then one per thread
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;  // guarded by mu_
  size_t next_claim_ = 0;    // guarded by mu_
  size_t consumed_ = 0;      // guarded by mu_
  uint64_t bytes_in_flight_ = 0;  // guarded by mu_
  bool stop_ = false;             // guarded by mu_
};

}  // namespace keysweep::git
