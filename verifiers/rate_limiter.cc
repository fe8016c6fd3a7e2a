#include "verifiers/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace keysweep::verify {

RateLimiter::Clock::duration RateLimiter::Acquire(std::string_view endpoint, double rate) {
  Clock::time_point ready;
  const Clock::time_point now = Clock::now();
  {
    absl::MutexLock lock(&mu_);
    Bucket& b = buckets_[std::string(endpoint)];
    if (rate <= 0) {
      ready = std::max(now, b.paused_until);
    } else {
      const double burst = std::max(1.0, rate);
      if (b.fresh) {
        b.fresh = false;
        b.tokens = burst;
        b.last = now;
      }
      // Refill, then take one token; a negative balance is a reservation in the future, so callers
      // queue fairly instead of polling.
      b.tokens = std::min(burst, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate);
      b.last = now;
      b.tokens -= 1;
      ready = now;
      if (b.tokens < 0) ready += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-b.tokens / rate));
      ready = std::max(ready, b.paused_until);
    }
  }
  if (ready > now) std::this_thread::sleep_until(ready);
  return std::max(Clock::duration::zero(), ready - now);
}

void RateLimiter::Pause(std::string_view endpoint, Clock::duration d) {
  absl::MutexLock lock(&mu_);
  Bucket& b = buckets_[std::string(endpoint)];
  b.paused_until = std::max(b.paused_until, Clock::now() + d);
}

}  // namespace keysweep::verify
