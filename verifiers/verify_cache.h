// Results of earlier checks, optionally persisted to a file (--verify-cache FILE) with a TTL.
// Keys are SHA-256 digests of (rule id, secret, parts): the file never holds a secret. Only
// definite answers (verified, invalid) are persisted; an "unknown" is worth asking again next run.
// The file is JSON Lines, written to a temporary file and renamed, mode 0600.
//
// Thread-safety: safe for concurrent use.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/findings.h"

namespace keysweep::verify {

class VerifyCache {
 public:
  // Loads `path` if it exists (entries older than ttl_seconds are dropped); empty path: memory only.
  static absl::StatusOr<std::unique_ptr<VerifyCache>> Open(const std::string& path, int64_t ttl_seconds);

  std::optional<Verification> Get(const std::string& key) const;
  void Put(const std::string& key, const Verification& v);
  // Writes the file (no-op without a path).
  absl::Status Save() const;
  size_t size() const;

 private:
  VerifyCache(std::string path, int64_t ttl) : path_(std::move(path)), ttl_(ttl) {}
  std::string path_;
  int64_t ttl_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Verification> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keysweep::verify
