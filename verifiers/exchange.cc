#include "verifiers/exchange.h"

#include <curl/curl.h>

#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/strings.h"

namespace keysweep::verify {
namespace {

// Path, query and fragment of a URL ("/" when it has none).
std::string_view PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t p = url.find_first_of("/?#", scheme == std::string_view::npos ? 0 : scheme + 3);
  return p == std::string_view::npos ? std::string_view("/") : url.substr(p);
}

std::string Join(std::string base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!path.empty() && path[0] != '/') base.push_back('/');
  base.append(path);
  return base;
}

// Retry-After as a wait: delta-seconds or an HTTP date. Negative if absent or unreadable.
std::chrono::milliseconds RetryAfter(const HttpResponse& r) {
  std::string_view v = r.Header("retry-after");
  if (v.empty()) return std::chrono::milliseconds(-1);
  int64_t secs = 0;
  if (absl::SimpleAtoi(absl::string_view(v.data(), v.size()), &secs)) return std::chrono::seconds(std::max<int64_t>(0, secs));
  const time_t when = curl_getdate(std::string(v).c_str(), nullptr);
  if (when < 0) return std::chrono::milliseconds(-1);
  return std::chrono::seconds(std::max<int64_t>(0, when - absl::ToUnixSeconds(absl::Now())));
}

bool Retryable(int status) { return status == 429 || status >= 500; }

}  // namespace

TemplateVars Candidate::Vars() const {
  TemplateVars v;
  v.emplace_back("secret", secret);
  v.insert(v.end(), parts.begin(), parts.end());
  return v;
}

std::vector<std::string> Candidate::Secrets() const {
  std::vector<std::string> s = {secret};
  for (const auto& [k, v] : parts) {
    bool is_secret = true;
    if (rule != nullptr && rule->verify) {
      for (const VerifyPart& p : rule->verify->parts) {
        if (k.size() > 5 && k.compare(5, std::string::npos, p.name) == 0) is_secret = p.secret;
      }
    }
    if (is_secret) s.push_back(v);
  }
  return s;
}

bool ParseHostOverrides(std::string_view spec, std::map<std::string, std::string>* out) {
  for (absl::string_view entry : absl::StrSplit(absl::string_view(spec.data(), spec.size()), ',', absl::SkipWhitespace())) {
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos || eq == 0 || eq + 1 == entry.size()) return false;
    std::string base(entry.substr(eq + 1));
    if (base.find("://") == std::string::npos) base = "http://" + base;
    (*out)[std::string(entry.substr(0, eq))] = base;
  }
  return true;
}

Target Exchange::Resolve(const VerifySpec& spec, const std::string& url) const {
  Target t;
  const std::string host = UrlHost(url);
  if (auto it = policy_.endpoint_overrides.find(spec.endpoint); it != policy_.endpoint_overrides.end()) {
    t.url = Join(it->second, PathOf(url));
    t.allow_private = true;
    return t;
  }
  if (!HostAllowed(host, spec.hosts)) {
    t.error = "host not allowed by the rule";
    return t;
  }
  // The test hook maps hosts by name; only a port-qualified original ("host:443") is not needed.
  if (auto it = policy_.host_overrides.find(host); it != policy_.host_overrides.end()) {
    t.url = Join(it->second, PathOf(url));
    t.allow_private = true;
    return t;
  }
  if (url.rfind("https://", 0) != 0) {
    t.error = "only https is allowed";
    return t;
  }
  t.url = url;
  return t;
}

HttpResponse Exchange::Send(const VerifySpec& spec, const HttpRequest& req,
                            const std::function<bool(const HttpResponse&)>& decisive) {
  const double rate = policy_.rate_override > 0 ? policy_.rate_override : spec.rate > 0 ? spec.rate : policy_.default_rate;
  thread_local std::minstd_rand jitter(std::random_device{}());
  HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    limiter_.Acquire(spec.endpoint, rate);
    ++requests_;
    r = client_.Send(req);
    if (r.error != HttpError::kNone || !Retryable(r.status) || (decisive && decisive(r))) return r;
    std::chrono::milliseconds wait = RetryAfter(r);
    if (wait.count() < 0) {
      const int64_t base = policy_.base_backoff.count() << std::min(attempt - 1, 10);
      wait = std::chrono::milliseconds(base / 2 + static_cast<int64_t>(jitter() % (base / 2 + 1)));
    }
    if (r.status == 429) limiter_.Pause(spec.endpoint, wait);
    if (attempt >= policy_.max_attempts || wait > policy_.max_retry_wait) return r;
    std::this_thread::sleep_for(wait);
  }
}

std::string UndecidedReason(const HttpResponse& r) {
  if (r.error != HttpError::kNone) return std::string(HttpErrorName(r.error));
  if (r.status == 429) {
    std::string s = "rate limited";
    if (!r.Header("retry-after").empty()) Append(&s, " (retry after ", r.Header("retry-after"), ")");
    return s;
  }
  if (r.status >= 500) return Cat("provider error (HTTP ", r.status, ")");
  if (r.status >= 300 && r.status < 400) return Cat("redirect not followed (HTTP ", r.status, ")");
  return Cat("unexpected response (HTTP ", r.status, ")");
}

Verification RunCheck(const Candidate& c, Exchange& ex) {
  Verification v = c.rule->verify->kind == "aws-sts" ? CheckAwsSts(c, ex) : CheckHttp(c, ex);
  const std::vector<std::string> secrets = c.Secrets();
  Scrub(&v.reason, secrets);
  Scrub(&v.identity, secrets);
  Scrub(&v.expires_at, secrets);
  for (auto& s : v.scopes) Scrub(&s, secrets);
  return v;
}

}  // namespace keysweep::verify
