#include "verifiers/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "absl/strings/ascii.h"

namespace keysweep::verify {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool PrivateV4(uint32_t a) {  // host byte order
  const uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff;
  return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 169 && b1 == 254) || (b0 == 172 && (b1 & 0xf0) == 16) ||
         (b0 == 192 && b1 == 168) || (b0 == 100 && (b1 & 0xc0) == 64) || b0 >= 224;
}

struct Transfer {
  HttpResponse* response;
  size_t max_body;
  bool too_large = false;
  bool refused = false;
  bool allow_private = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->response->body.size() + len > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->response->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue): start over
    t->response->headers.clear();
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = absl::AsciiStrToLower(absl::string_view(line.data(), colon));
  absl::string_view value = absl::StripAsciiWhitespace(absl::string_view(line.data() + colon + 1, len - colon - 1));
  t->response->headers.emplace_back(std::move(name), std::string(value));
  return len;
}

curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!t->allow_private && IsPrivateAddress(&addr->addr, addr->addrlen)) {
    t->refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(addr->family, addr->socktype, addr->protocol);
}

HttpError MapError(CURLcode rc, const Transfer& t) {
  if (t.too_large) return HttpError::kTooLarge;
  if (t.refused) return HttpError::kRefusedAddress;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return HttpError::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST: return HttpError::kDns;
    case CURLE_COULDNT_CONNECT: return HttpError::kConnect;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return HttpError::kConnectionReset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: return HttpError::kTls;
    case CURLE_FILESIZE_EXCEEDED: return HttpError::kTooLarge;
    default: return HttpError::kOther;
  }
}

}  // namespace

std::string_view HttpErrorName(HttpError e) {
  switch (e) {
    case HttpError::kNone: return "ok";
    case HttpError::kTimeout: return "timeout";
    case HttpError::kDns: return "DNS lookup failed";
    case HttpError::kConnect: return "connection failed";
    case HttpError::kConnectionReset: return "connection reset";
    case HttpError::kTls: return "TLS error";
    case HttpError::kRefusedAddress: return "refused private or loopback address";
    case HttpError::kTooLarge: return "response too large";
    case HttpError::kOther: return "transfer error";
  }
  return "transfer error";
}

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

bool IsPrivateAddress(const void* sa, size_t len) {
  const auto* addr = static_cast<const sockaddr*>(sa);
  if (addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    return PrivateV4(ntohl(static_cast<const sockaddr_in*>(sa)->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const uint8_t* b = static_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr;
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) {
      return PrivateV4(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15]);
    }
    bool zero_prefix = true;  // :: and ::1
    for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && b[i] == 0;
    if (zero_prefix) return true;
    if ((b[0] & 0xfe) == 0xfc) return true;                 // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true; // fe80::/10 link local
    if (b[0] == 0xff) return true;                          // multicast
    return false;
  }
  return true;  // unknown families are never contacted
}

struct HttpClient::Impl {
  HttpOptions options;
  std::unique_ptr<CURL, CurlDeleter> curl;
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInit();
  impl_->options = std::move(options);
  impl_->curl.reset(curl_easy_init());
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Send(const HttpRequest& req) {
  HttpResponse resp;
  CURL* c = impl_->curl.get();
  if (c == nullptr) {
    resp.error = HttpError::kOther;
    return resp;
  }
  curl_easy_reset(c);  // keeps the connection cache, drops the previous request's options
  Transfer t{&resp, impl_->options.max_body};
  t.allow_private = req.allow_private;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [k, v] : req.headers) {
    const std::string line = k + ": " + v;
    curl_slist* l = curl_slist_append(headers.get(), line.c_str());
    if (l == nullptr) {
      resp.error = HttpError::kOther;
      return resp;
    }
    headers.release();
    headers.reset(l);
  }
  // Let curl not add "Expect: 100-continue" to POSTs: one round trip, simpler fakes.
  if (curl_slist* l = curl_slist_append(headers.get(), "Expect:")) {
    headers.release();
    headers.reset(l);
  }
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, req.allow_private ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never hand a secret to a proxy from the environment
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(impl_->options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(impl_->options.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(impl_->options.max_body));
  curl_easy_setopt(c, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  if (req.basic_auth) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.password.c_str());
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    resp.error = MapError(rc, t);
    resp.body.clear();
    return resp;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  resp.status = static_cast<int>(status);
  return resp;
}

}  // namespace keysweep::verify
