#include "engine/sources/git/blob_prefetcher.h"

#include <utility>

namespace keysweep::git {

BlobRead ReadBlob(git_odb* odb, PackReader* packs, const git_oid& id, uint64_t max_size) {
  BlobRead r;
  if (packs != nullptr) {
    git_object_t type = GIT_OBJECT_INVALID;
    const PackReader::Result pr = packs->Read(id, &type, &r.data, &r.error, max_size, &r.size);
    if (pr == PackReader::Result::kTooLarge) {
      r.status = BlobRead::Status::kTooLarge;
      r.data.clear();
      return r;
    }
    if (pr == PackReader::Result::kCorrupt) {
      r.status = BlobRead::Status::kCorrupt;
      return r;
    }
    if (pr == PackReader::Result::kOk) {
      if (type != GIT_OBJECT_BLOB) {
        r.status = BlobRead::Status::kCorrupt;
        r.error = std::string("expected a blob, found a ") + git_object_type2string(type);
        r.data.clear();
      }
      return r;
    }
    // kNotInPack: a loose object; libgit2 reads it.
  }
  size_t len = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  // The header is cheap (no full inflate), so oversized blobs never occupy memory.
  int rc = git_odb_read_header(&len, &type, odb, &id);
  if (rc == 0 && len > max_size) {
    r.status = BlobRead::Status::kTooLarge;
    r.size = len;
    return r;
  }
  git_odb_object* raw = nullptr;
  if (rc == 0) rc = git_odb_read(&raw, odb, &id);
  if (rc != 0) {
    r.status = rc == GIT_ENOTFOUND ? BlobRead::Status::kMissing : BlobRead::Status::kCorrupt;
    r.error = LastGitError();
    return r;
  }
  OdbObjectPtr obj(raw);
  if (git_odb_object_type(obj.get()) != GIT_OBJECT_BLOB) {
    r.status = BlobRead::Status::kCorrupt;
    r.error = std::string("expected a blob, found a ") + git_object_type2string(git_odb_object_type(obj.get()));
    return r;
  }
  r.size = git_odb_object_size(obj.get());
  r.data.assign(static_cast<const char*>(git_odb_object_data(obj.get())), r.size);
  return r;
}

BlobPrefetcher::BlobPrefetcher(git_odb* odb, std::vector<git_oid> ids, size_t window,
                               uint64_t max_size, uint64_t byte_budget)
    : inline_odb_(odb), ids_(std::move(ids)), window_(window == 0 ? 1 : window),
      max_size_(max_size), byte_budget_(byte_budget), slots_(window_) {}

absl::StatusOr<std::unique_ptr<BlobPrefetcher>> BlobPrefetcher::Start(
    const std::string& repo_path, git_odb* odb, std::shared_ptr<const PackOrder> packs,
    std::vector<git_oid> ids, int threads, size_t window, uint64_t max_size, uint64_t byte_budget) {
  std::unique_ptr<BlobPrefetcher> p(
      new BlobPrefetcher(odb, std::move(ids), window, max_size, byte_budget));
  for (int t = 0; t <= threads; ++t) {
    p->readers_.push_back(packs != nullptr ? std::make_unique<PackReader>(packs) : nullptr);
  }
  for (int t = 0; t < threads; ++t) {
    auto repo = OpenRepository(repo_path);
    if (!repo.ok()) return repo.status();
    git_odb* raw = nullptr;
    if (git_repository_odb(&raw, repo->get()) != 0) {
      return absl::DataLossError("cannot open the object database of " + repo_path + ": " +
                                 LastGitError());
    }
    p->repos_.push_back(*std::move(repo));
    p->odbs_.emplace_back(raw);
  }
  for (size_t t = 0; t < p->odbs_.size(); ++t) {
    git_odb* raw = p->odbs_[t].get();
    PackReader* reader = p->readers_[t + 1].get();
    p->threads_.emplace_back([q = p.get(), raw, reader] { q->Work(raw, reader); });
  }
  return p;
}

BlobPrefetcher::~BlobPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void BlobPrefetcher::Work(git_odb* odb, PackReader* packs) {
  for (;;) {
    size_t i;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Claim the next blob when the window has room; the blob the consumer waits for next is
      // always claimable, so a byte budget full of large blobs cannot deadlock.
      cv_.wait(lock, [&] {
        return stop_ || next_claim_ >= ids_.size() ||
               (next_claim_ < consumed_ + window_ &&
                (bytes_in_flight_ < byte_budget_ || next_claim_ == consumed_));
      });
      if (stop_ || next_claim_ >= ids_.size()) return;
      i = next_claim_++;
    }
    BlobRead r = ReadBlob(odb, packs, ids_[i], max_size_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      bytes_in_flight_ += r.data.size();
      Slot& s = slots_[i % window_];
      s.index = i;
      s.read = std::move(r);
      s.ready = true;
    }
    cv_.notify_all();
  }
}

BlobRead BlobPrefetcher::Take(size_t i) {
  if (threads_.empty()) return ReadBlob(inline_odb_, readers_[0].get(), ids_[i], max_size_);
  std::unique_lock<std::mutex> lock(mu_);
  Slot& s = slots_[i % window_];
  cv_.wait(lock, [&] { return s.ready && s.index == i; });
  BlobRead r = std::move(s.read);
  s.ready = false;
  bytes_in_flight_ -= r.data.size();
  consumed_ = i + 1;
  lock.unlock();
  cv_.notify_all();
  return r;
}

}  // namespace keysweep::git
