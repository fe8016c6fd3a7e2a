// The verification service. It runs after the scan has deduplicated findings (so scanning never
// waits on the network and each distinct secret is checked once per run), on its own bounded pool of
// threads, each with its own HTTP connection cache. Identical checks asked concurrently coalesce into
// one request; answers are remembered for the run and, with a cache file, across runs.
//
// Which finding is checked, and how:
// - A secret captured by several rules is checked only under the most specific rule that has a
//   verifier (confidence, then a non-generic category, then the longer pattern), so a generic rule
//   never sends a provider's key to another provider. The others are "skipped".
// - A rule with parts (AWS key id + secret key, Twilio SID + auth token) is paired with findings of
//   the part rules in the same object within max_distance bytes, nearest first (at most 3 tries per
//   part); a verified pair marks the part's finding verified too.
//
// Thread-safety: safe for concurrent use.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/findings.h"
#include "engine/rules.h"
#include "verifiers/exchange.h"
#include "verifiers/verify_cache.h"

namespace keysweep::verify {

struct VerifierOptions {
  int concurrency = 16;        // pool threads (and at most this many requests in flight)
  size_t queue_capacity = 0;   // jobs waiting for a thread; 0: 4 x concurrency
  HttpOptions http;
  NetPolicy net;
  std::string cache_file;      // empty: remember for this run only
  int64_t cache_ttl_seconds = 24 * 3600;
};

struct VerifierCounters {
  uint64_t checks = 0;      // Check() calls
  uint64_t requests = 0;    // HTTP requests sent (retries included)
  uint64_t cache_hits = 0;  // answered from the run memo or the cache file
  uint64_t coalesced = 0;   // waited for an identical check in flight
};

class Verifier {
 public:
  static absl::StatusOr<std::unique_ptr<Verifier>> Create(VerifierOptions options);
  ~Verifier();

  // Checks one candidate on the calling thread (cache, then coalescing, then the network).
  Verification Check(const Candidate& c);

  // Verifies findings (pointers stay owned by the caller) on the pool and sets each one's
  // `verification`. Blocks until all are done.
  void VerifyFindings(const std::vector<Finding*>& findings, const std::vector<Rule>& rules);

  absl::Status SaveCache() { return cache_->Save(); }
  VerifierCounters counters() const;

  // Cache key of a candidate: hex SHA-256 over rule id, secret and parts.
  static std::string Key(const Candidate& c);

 private:
  explicit Verifier(VerifierOptions options, std::unique_ptr<VerifyCache> cache);
  struct Flight;
  void Submit(std::function<void()> job);
  void WorkerLoop();
  std::unique_ptr<HttpClient> BorrowClient();
  void ReturnClient(std::unique_ptr<HttpClient> c);

  VerifierOptions options_;
  std::unique_ptr<VerifyCache> cache_;
  RateLimiter limiter_;

  absl::Mutex flights_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(flights_mu_);
  absl::flat_hash_map<std::string, Verification> memo_ ABSL_GUARDED_BY(flights_mu_);

  std::mutex clients_mu_;
  std::vector<std::unique_ptr<HttpClient>> clients_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_, space_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> checks_{0}, requests_{0}, cache_hits_{0}, coalesced_{0};
};

}  // namespace keysweep::verify
