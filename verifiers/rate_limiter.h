// Per-endpoint token buckets: each provider gets `rate` requests per second with a burst of about
// one second's worth, and a 429 with Retry-After pauses that provider for everyone, not just the
// thread that saw it.
//
// Thread-safety: safe for concurrent use.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace keysweep::verify {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Blocks until `endpoint` may send one request at `rate` per second (rate <= 0: unlimited).
  // Returns how long it waited.
  Clock::duration Acquire(std::string_view endpoint, double rate);
  // No request to `endpoint` before now + d.
  void Pause(std::string_view endpoint, Clock::duration d);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
    Clock::time_point paused_until{};
    bool fresh = true;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keysweep::verify
