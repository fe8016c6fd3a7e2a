// AWS: sts:GetCallerIdentity, signed with SigV4. It needs no permission at all (AWS documents that
// it works even when an explicit deny covers it), has no side effects, and names the key's owner.
// The access key id is the rule's secret; the secret access key is the paired part "secret".
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "engine/strings.h"
#include "verifiers/aws_sigv4.h"
#include "verifiers/exchange.h"

namespace keysweep::verify {
namespace {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Sha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

// Text of the first <tag>...</tag> in an XML body (STS answers are flat and small).
std::string XmlField(std::string_view xml, std::string_view tag) {
  const std::string open = Cat("<", tag, ">"), close = Cat("</", tag, ">");
  const size_t a = xml.find(open);
  if (a == std::string_view::npos) return "";
  const size_t b = xml.find(close, a + open.size());
  if (b == std::string_view::npos) return "";
  return std::string(xml.substr(a + open.size(), b - a - open.size()));
}

std::string Authority(std::string_view url) {
  const size_t s = url.find("://");
  std::string_view rest = url.substr(s == std::string_view::npos ? 0 : s + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  return absl::AsciiStrToLower(absl::string_view(rest.data(), rest.size()));
}

std::string CanonicalHeaders(const SigV4Request& r, std::string* signed_names) {
  std::vector<std::pair<std::string, std::string>> h;
  for (const auto& [k, v] : r.headers) h.emplace_back(absl::AsciiStrToLower(k), v);
  h.emplace_back("host", r.host);
  h.emplace_back("x-amz-date", r.amz_date);
  std::sort(h.begin(), h.end());
  std::string out;
  signed_names->clear();
  for (const auto& [k, v] : h) {
    Append(&out, k, ":", v, "\n");
    Append(signed_names, signed_names->empty() ? "" : ";", k);
  }
  return out;
}

std::string Scope(const SigV4Request& r) {
  return Cat(r.amz_date.substr(0, 8), "/", r.region, "/", r.service, "/aws4_request");
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string SigV4SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service) {
  const std::string k_date = Hmac(Cat("AWS4", secret), date);
  return Hmac(Hmac(Hmac(k_date, region), service), "aws4_request");
}

std::string SigV4Signature(const SigV4Request& r, std::string_view secret) {
  std::string signed_names;
  const std::string headers = CanonicalHeaders(r, &signed_names);
  const std::string canonical = Cat(r.method, "\n", r.path, "\n", r.query, "\n", headers, "\n", signed_names, "\n",
                                    HexEncode(Sha256(r.body)));
  const std::string to_sign = Cat("AWS4-HMAC-SHA256\n", r.amz_date, "\n", Scope(r), "\n", HexEncode(Sha256(canonical)));
  return HexEncode(Hmac(SigV4SigningKey(secret, r.amz_date.substr(0, 8), r.region, r.service), to_sign));
}

std::string SigV4Authorization(const SigV4Request& r, std::string_view key_id, std::string_view secret) {
  std::string signed_names;
  CanonicalHeaders(r, &signed_names);
  return Cat("AWS4-HMAC-SHA256 Credential=", key_id, "/", Scope(r), ", SignedHeaders=", signed_names,
             ", Signature=", SigV4Signature(r, secret));
}

Verification CheckAwsSts(const Candidate& c, Exchange& ex) {
  const VerifySpec& spec = *c.rule->verify;
  Verification v;
  std::string secret;
  for (const auto& [k, val] : c.parts) {
    if (k == "part.secret") secret = val;
  }
  if (secret.empty()) {
    v.reason = "no secret access key paired with this key id";
    return v;
  }
  const Target target = ex.Resolve(spec, spec.url.empty() ? "https://sts.amazonaws.com/" : spec.url);
  if (!target.error.empty()) {
    v.reason = target.error + "; not contacted";
    return v;
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
  SigV4Request sr;
  sr.method = "POST";
  sr.host = Authority(target.url);
  // Sign the path actually requested ("/" for STS itself; a prefix under --verify-endpoint).
  const size_t scheme_end = target.url.find("://");
  const size_t path_start = target.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  sr.path = path_start == std::string::npos ? "/" : target.url.substr(path_start, target.url.find_first_of("?#", path_start) - path_start);
  sr.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sr.body = "Action=GetCallerIdentity&Version=2011-06-15";
  sr.amz_date = date;
  HttpRequest req;
  req.method = "POST";
  req.url = target.url;
  req.allow_private = target.allow_private;
  req.body = sr.body;
  req.headers = {{"Content-Type", sr.headers[0].second},
                 {"X-Amz-Date", sr.amz_date},
                 {"Authorization", SigV4Authorization(sr, c.secret, secret)}};
  const HttpResponse r = ex.Send(spec, req, nullptr);
  v.checked_at = absl::ToUnixSeconds(absl::Now());
  v.status = VerifyStatus::kUnknown;
  if (r.error != HttpError::kNone) {
    v.reason = UndecidedReason(r);
    return v;
  }
  const std::string code = XmlField(r.body, "Code");
  if (r.status == 200 && !XmlField(r.body, "Arn").empty()) {
    v.status = VerifyStatus::kVerified;
    v.identity = XmlField(r.body, "Arn");
    v.reason = Cat("account ", XmlField(r.body, "Account"));
    v.broad_scope = v.identity.size() > 5 && v.identity.substr(v.identity.size() - 5) == ":root";
    // Long-term user keys (AKIA) live until someone deletes them.
    v.no_expiry = c.secret.rfind("AKIA", 0) == 0;
  } else if (r.status == 403 && (code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" ||
                                 code == "ExpiredToken")) {
    v.status = VerifyStatus::kInvalid;
    v.reason = code == "SignatureDoesNotMatch" ? "the secret key does not belong to this key id"
               : code == "InvalidClientTokenId" ? "unknown access key id"
                                                : code;
  } else {
    v.reason = UndecidedReason(r);
  }
  return v;
}

}  // namespace keysweep::verify
