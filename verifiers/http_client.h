// A deliberately narrow HTTP client over libcurl for verifiers: one request, no redirects, TLS
// verification on, no proxies, no cookies, bounded response size, connect and total timeouts, and a
// socket-level refusal of private, loopback and link-local addresses (so a DNS answer cannot steer a
// secret to an internal service). Loopback is allowed only when the caller says so (test hook,
// --verify-endpoint). Errors are categories, never libcurl's text, which may quote the URL and so
// the secret.
//
// Thread-safety: an HttpClient is not thread-safe (it owns one CURL easy handle, reused for
// keep-alive); use one per thread.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keysweep::verify {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool basic_auth = false;
  std::string user, password;
  bool allow_private = false;  // only for explicitly overridden endpoints
};

enum class HttpError {
  kNone,
  kTimeout,
  kDns,
  kConnect,
  kConnectionReset,
  kTls,
  kRefusedAddress,  // resolved to a private / loopback / link-local address
  kTooLarge,
  kOther,
};
std::string_view HttpErrorName(HttpError e);

struct HttpResponse {
  HttpError error = HttpError::kNone;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;
  // First value of a header (name lower-case), or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{10000};
  size_t max_body = 1 << 20;
  std::string user_agent = "keysweep-verifier";
};

// True for addresses a verifier must never reach unless explicitly allowed: loopback, RFC 1918,
// carrier-grade NAT, link-local, unique-local, unspecified, multicast, and IPv4-mapped forms of them.
bool IsPrivateAddress(const void* sockaddr, size_t len);

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Send(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keysweep::verify
