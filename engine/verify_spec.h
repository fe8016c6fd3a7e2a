// The declarative verifier of a rule: the `[rule.verify]` table (format in detectors/README.md).
// It says which read-only endpoint tells whether a secret is live, how to build the request from the
// secret (and from paired parts found near it), and how to read the answer. Plain data, immutable
// after loading; safe to share across threads. The code that runs it lives in verifiers/.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace keysweep {

enum class VerifyVerdict { kVerified, kInvalid, kUnknown };

// One `[[rule.verify.when]]` entry: conditions (all must hold; absent ones always hold) and the
// verdict they lead to. The first entry that matches a response decides.
struct VerifyOutcome {
  std::vector<int> status;                  // HTTP status codes; empty: any
  std::string secret_prefix;                // the secret starts with this
  struct JsonEquals {
    std::string pointer;                    // RFC 6901 JSON pointer
    enum class Type { kString, kInt, kBool } type = Type::kString;
    std::string value;                      // kInt: decimal, kBool: "true"/"false"
  };
  std::vector<JsonEquals> json;             // pointer = value
  std::vector<std::string> json_present;    // pointers that must exist (and not be null)
  std::vector<std::string> header_present;  // lower-case header names
  std::string body_contains;
  VerifyVerdict verdict = VerifyVerdict::kUnknown;
  std::string reason;                       // why, in a few words (never contains the secret)
  bool broad_scope = false;                 // this answer means a full-access credential
};

// A second credential a rule needs (an AWS secret key for a key id, a Twilio auth token for an
// account SID): a finding of one of `rules` in the same object, at most `max_distance` bytes away.
struct VerifyPart {
  std::string name;                // used as {{part.NAME}} in templates
  std::vector<std::string> rules;  // rule ids that yield this part
  uint64_t max_distance = 1024;
  bool secret = true;              // false for identifiers (a shop name): not redacted from results
};

struct VerifySpec {
  std::string kind = "http";       // "http" (declarative) or a code verifier: "aws-sts"
  std::string endpoint;            // name for --verify-endpoint (default: provider, lower-case)
  std::vector<std::string> hosts;  // the only hosts ever contacted; "*.example.com" allowed
  std::string method = "GET";      // GET, POST or HEAD
  std::string url;                 // template: {{secret}}, {{part.NAME}} (percent-encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // name, value template
  std::string body;                // template (not encoded)
  bool basic_auth = false;
  std::string basic_user, basic_password;  // templates
  std::vector<VerifyPart> parts;
  std::vector<VerifyOutcome> outcomes;
  // Extraction templates over the response: {{json:/pointer}} (a `*` segment walks an array),
  // {{header:name}}. Scopes are split on commas and white space.
  std::string identity, scopes, expires_at;
  std::vector<std::string> broad_scopes;  // scope names; a trailing '*' matches a prefix
  bool never_expires = false;      // the credential type has no expiry at all
  double rate = 0;                 // requests per second to this endpoint; 0: the default
  std::vector<std::string> references;  // provider documentation of the endpoint (required)
};

std::string_view VerifyVerdictName(VerifyVerdict v);

// Code verifier kinds known to verifiers/ (checked at load time so a typo fails early).
bool IsKnownVerifierKind(std::string_view kind);

// Host of an http(s) URL ("" if it has none); lower-case, without port or user info.
std::string UrlHost(std::string_view url);
// True if `host` is one of `allowed` (exactly, or under a "*.suffix" entry).
bool HostAllowed(std::string_view host, const std::vector<std::string>& allowed);

}  // namespace keysweep
