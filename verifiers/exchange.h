// One verification check and the network policy every check goes through: the host allow-list of
// the rule, endpoint overrides (--verify-endpoint and the test hook), the per-endpoint rate limit,
// and retry with backoff on 429 / 5xx honouring Retry-After.
//
// Thread-safety: an Exchange is used by one thread at a time (it holds that thread's HttpClient);
// the NetPolicy and RateLimiter it points to are shared and thread-safe (NetPolicy is immutable).
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/findings.h"
#include "engine/rules.h"
#include "verifiers/http_client.h"
#include "verifiers/rate_limiter.h"
#include "verifiers/template.h"

namespace keysweep::verify {

// One distinct thing to check: a rule's secret plus the parts paired with it.
struct Candidate {
  const Rule* rule = nullptr;
  std::string secret;
  TemplateVars parts;  // {"part.NAME", value}
  // All values a request template may use: {"secret", secret} then the parts.
  TemplateVars Vars() const;
  // Every secret value (for scrubbing text): the secret and the parts not declared `secret = false`.
  std::vector<std::string> Secrets() const;
};

struct NetPolicy {
  // Original host -> base URL ("http://127.0.0.1:8080"): the test hook. Loopback allowed.
  std::map<std::string, std::string> host_overrides;
  // Endpoint name (VerifySpec::endpoint) -> base URL, path prefix allowed: --verify-endpoint.
  std::map<std::string, std::string> endpoint_overrides;
  int max_attempts = 3;
  std::chrono::milliseconds base_backoff{250};
  std::chrono::milliseconds max_retry_wait{5000};  // a longer Retry-After gives up: "rate limited"
  double default_rate = 20;   // requests per second per endpoint when the rule does not say
  double rate_override = 0;   // > 0: every endpoint uses this (benchmarks, tests)
};

// Parses "host=base,host=base" (KEYSWEEP_VERIFY_TEST_HOSTS; "host=127.0.0.1:PORT" means
// http://127.0.0.1:PORT) into *out. False on a malformed entry.
bool ParseHostOverrides(std::string_view spec, std::map<std::string, std::string>* out);

struct Target {
  std::string url;
  bool allow_private = false;
  std::string error;  // non-empty: refused (host not allowed, bad URL)
};

class Exchange {
 public:
  Exchange(const NetPolicy& policy, RateLimiter& limiter, HttpClient& client)
      : policy_(policy), limiter_(limiter), client_(client) {}

  // Checks a URL against the rule's hosts and applies overrides.
  Target Resolve(const VerifySpec& spec, const std::string& url) const;

  // Sends (the url must come from Resolve) with rate limiting and retries. `decisive` says whether
  // a 429/5xx response already answers the question (so it is not retried).
  HttpResponse Send(const VerifySpec& spec, const HttpRequest& req,
                    const std::function<bool(const HttpResponse&)>& decisive);
  uint64_t requests() const { return requests_; }

 private:
  const NetPolicy& policy_;
  RateLimiter& limiter_;
  HttpClient& client_;
  uint64_t requests_ = 0;
};

// "unknown" reason for a transport error or an undecided response ("timeout", "rate limited",
// "provider error (HTTP 503)", "redirect not followed (HTTP 302)", ...).
std::string UndecidedReason(const HttpResponse& r);

// The checks. Each returns a Verification with checked_at set when the provider answered.
Verification CheckHttp(const Candidate& c, Exchange& ex);
Verification CheckAwsSts(const Candidate& c, Exchange& ex);

// Runs the check the candidate's rule declares, then scrubs every text field of the result.
Verification RunCheck(const Candidate& c, Exchange& ex);

}  // namespace keysweep::verify
