#include "engine/verify_spec.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/strings.h"
#include "engine/verify_spec_toml.h"

namespace keysweep {
namespace {

absl::Status Bad(std::string_view why) { return absl::InvalidArgumentError(Cat("verify: ", why)); }

absl::Status Strings(const toml::table& t, std::string_view key, std::vector<std::string>* out,
                     bool lower = false) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const toml::array* arr = n->as_array();
  if (arr == nullptr) return Bad(Cat("'", key, "' must be an array of strings"));
  for (const toml::node& e : *arr) {
    auto s = e.value<std::string>();
    if (!s) return Bad(Cat("'", key, "' must be an array of strings"));
    out->push_back(lower ? absl::AsciiStrToLower(*s) : *s);
  }
  return absl::OkStatus();
}

// Checks every {{...}} in a request template: only {{secret}} and declared parts.
absl::Status CheckRequestTemplate(std::string_view tmpl, const std::vector<VerifyPart>& parts,
                                  std::string_view what) {
  size_t pos = 0;
  while ((pos = tmpl.find("{{", pos)) != std::string_view::npos) {
    const size_t end = tmpl.find("}}", pos);
    if (end == std::string_view::npos) return Bad(Cat(what, ": unclosed '{{'"));
    std::string_view name = tmpl.substr(pos + 2, end - pos - 2);
    bool ok = name == "secret";
    if (absl::StartsWith(absl::string_view(name.data(), name.size()), "part.")) {
      for (const auto& p : parts) ok = ok || name.substr(5) == p.name;
    }
    if (!ok) return Bad(Cat(what, ": unknown placeholder {{", name, "}} (use {{secret}} or {{part.NAME}})"));
    pos = end + 2;
  }
  return absl::OkStatus();
}

// Checks every {{...}} in an extraction template: {{json:/pointer}} or {{header:name}}.
absl::Status CheckExtractTemplate(std::string_view tmpl, std::string_view what) {
  size_t pos = 0;
  while ((pos = tmpl.find("{{", pos)) != std::string_view::npos) {
    const size_t end = tmpl.find("}}", pos);
    if (end == std::string_view::npos) return Bad(Cat(what, ": unclosed '{{'"));
    std::string_view name = tmpl.substr(pos + 2, end - pos - 2);
    const bool json = name.substr(0, 5) == "json:" && (name.size() == 5 || name[5] == '/');
    const bool header = name.substr(0, 7) == "header:" && name.size() > 7;
    const bool part = name.substr(0, 5) == "part." && name.size() > 5;
    if (!json && !header && !part)
      return Bad(Cat(what, ": unknown source {{", name, "}} (json:/pointer, header:name or part.NAME)"));
    pos = end + 2;
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifyOutcome> ParseOutcome(const toml::table& t) {
  static const absl::flat_hash_set<std::string_view> kKeys = {
      "status", "secret_prefix", "json", "json_present", "header_present", "body_contains", "result",
      "reason", "broad_scope"};
  for (const auto& [k, v] : t) {
    if (!kKeys.contains(k.str())) return Bad(Cat("unknown key '", k.str(), "' in [[rule.verify.when]]"));
  }
  VerifyOutcome o;
  if (const toml::node* n = t.get("status")) {
    if (auto one = n->value<int64_t>()) {
      o.status.push_back(static_cast<int>(*one));
    } else if (const toml::array* arr = n->as_array()) {
      for (const toml::node& e : *arr) {
        auto v = e.value<int64_t>();
        if (!v) return Bad("'status' must be an integer or an array of integers");
        o.status.push_back(static_cast<int>(*v));
      }
    } else {
      return Bad("'status' must be an integer or an array of integers");
    }
  }
  o.secret_prefix = t["secret_prefix"].value_or(std::string());
  if (const toml::node* n = t.get("json")) {
    const toml::table* jt = n->as_table();
    if (jt == nullptr) return Bad("'json' must be a table of pointer = value");
    for (const auto& [k, v] : *jt) {
      VerifyOutcome::JsonEquals je;
      je.pointer = std::string(k.str());
      if (!je.pointer.empty() && je.pointer[0] != '/') return Bad(Cat("json pointer '", je.pointer, "' must start with '/'"));
      if (auto s = v.value_exact<std::string>()) {
        je.value = *s;
      } else if (auto b = v.value_exact<bool>()) {
        je.type = VerifyOutcome::JsonEquals::Type::kBool;
        je.value = *b ? "true" : "false";
      } else if (auto i = v.value_exact<int64_t>()) {
        je.type = VerifyOutcome::JsonEquals::Type::kInt;
        je.value = std::to_string(*i);
      } else {
        return Bad("'json' values must be strings, integers or booleans");
      }
      o.json.push_back(std::move(je));
    }
  }
  if (auto s = Strings(t, "json_present", &o.json_present); !s.ok()) return s;
  if (auto s = Strings(t, "header_present", &o.header_present, true); !s.ok()) return s;
  o.body_contains = t["body_contains"].value_or(std::string());
  const std::string result = t["result"].value_or(std::string());
  if (result == "verified") o.verdict = VerifyVerdict::kVerified;
  else if (result == "invalid") o.verdict = VerifyVerdict::kInvalid;
  else if (result == "unknown") o.verdict = VerifyVerdict::kUnknown;
  else return Bad("each [[rule.verify.when]] needs result = \"verified\", \"invalid\" or \"unknown\"");
  o.reason = t["reason"].value_or(std::string());
  o.broad_scope = t["broad_scope"].value_or(false);
  return o;
}

}  // namespace

std::string_view VerifyVerdictName(VerifyVerdict v) {
  switch (v) {
    case VerifyVerdict::kVerified: return "verified";
    case VerifyVerdict::kInvalid: return "invalid";
    case VerifyVerdict::kUnknown: return "unknown";
  }
  return "unknown";
}

bool IsKnownVerifierKind(std::string_view kind) { return kind == "http" || kind == "aws-sts"; }

std::string UrlHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    return absl::AsciiStrToLower(absl::string_view(rest.data(), close == std::string_view::npos ? rest.size() : close + 1));
  }
  rest = rest.substr(0, rest.find(':'));
  return absl::AsciiStrToLower(absl::string_view(rest.data(), rest.size()));
}

bool HostAllowed(std::string_view host, const std::vector<std::string>& allowed) {
  if (host.empty()) return false;
  for (const std::string& a : allowed) {
    if (a.size() > 2 && a[0] == '*' && a[1] == '.') {
      std::string_view suffix = std::string_view(a).substr(1);  // ".example.com"
      if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix) {
        // One label only: "*.myshopify.com" does not allow "a.b.myshopify.com".
        std::string_view label = host.substr(0, host.size() - suffix.size());
        if (label.find('.') == std::string_view::npos) return true;
      }
    } else if (host == a) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<VerifySpec> ParseVerifySpecText(std::string_view text, std::string_view provider) {
  toml::table t;
  try {
    t = toml::parse(text);
  } catch (const toml::parse_error& err) {
    return Bad(Cat("stored table does not parse: ", err.description()));
  }
  return ParseVerifySpec(t, provider);
}

absl::StatusOr<VerifySpec> ParseVerifySpec(const toml::table& t, std::string_view provider) {
  static const absl::flat_hash_set<std::string_view> kKeys = {
      "kind", "endpoint", "hosts", "method", "url", "headers", "body", "basic_auth", "parts", "when",
      "identity", "scopes", "expires_at", "broad_scopes", "never_expires", "rate", "references"};
  for (const auto& [k, v] : t) {
    if (!kKeys.contains(k.str())) return Bad(Cat("unknown key '", k.str(), "'"));
  }
  VerifySpec s;
  s.kind = t["kind"].value_or(std::string("http"));
  if (!IsKnownVerifierKind(s.kind)) return Bad(Cat("unknown kind '", s.kind, "' (http, aws-sts)"));
  std::string lower_provider = absl::AsciiStrToLower(absl::string_view(provider.data(), provider.size()));
  for (char& c : lower_provider) if (c == ' ') c = '-';
  s.endpoint = t["endpoint"].value_or(lower_provider);
  if (auto st = Strings(t, "hosts", &s.hosts, true); !st.ok()) return st;
  if (s.hosts.empty()) return Bad("'hosts' must list the hosts the verifier may contact");
  s.method = absl::AsciiStrToUpper(t["method"].value_or(std::string("GET")));
  if (s.method != "GET" && s.method != "POST" && s.method != "HEAD") return Bad("method must be GET, POST or HEAD");
  s.url = t["url"].value_or(std::string());
  s.body = t["body"].value_or(std::string());
  if (const toml::node* n = t.get("parts")) {
    const toml::table* pt = n->as_table();
    if (pt == nullptr) return Bad("'parts' must be a table of NAME = { rules = [...], max_distance = N }");
    for (const auto& [k, v] : *pt) {
      const toml::table* one = v.as_table();
      if (one == nullptr) return Bad("each part must be a table { rules = [...], max_distance = N }");
      VerifyPart p;
      p.name = std::string(k.str());
      if (auto st = Strings(*one, "rules", &p.rules); !st.ok()) return st;
      if (p.rules.empty()) return Bad(Cat("part '", p.name, "' needs 'rules'"));
      const int64_t d = (*one)["max_distance"].value_or(int64_t{1024});
      if (d <= 0 || d > (1 << 20)) return Bad(Cat("part '", p.name, "': max_distance out of range"));
      p.max_distance = static_cast<uint64_t>(d);
      p.secret = (*one)["secret"].value_or(true);
      s.parts.push_back(std::move(p));
    }
  }
  if (const toml::node* n = t.get("headers")) {
    const toml::table* ht = n->as_table();
    if (ht == nullptr) return Bad("'headers' must be a table of name = value");
    for (const auto& [k, v] : *ht) {
      auto val = v.value<std::string>();
      if (!val) return Bad("header values must be strings");
      if (auto st = CheckRequestTemplate(*val, s.parts, Cat("header ", k.str())); !st.ok()) return st;
      s.headers.emplace_back(std::string(k.str()), *val);
    }
  }
  if (const toml::node* n = t.get("basic_auth")) {
    const toml::table* bt = n->as_table();
    if (bt == nullptr) return Bad("'basic_auth' must be { user = ..., password = ... }");
    s.basic_auth = true;
    s.basic_user = (*bt)["user"].value_or(std::string());
    s.basic_password = (*bt)["password"].value_or(std::string());
    for (const auto* f : {&s.basic_user, &s.basic_password}) {
      if (auto st = CheckRequestTemplate(*f, s.parts, "basic_auth"); !st.ok()) return st;
    }
  }
  if (s.kind == "http") {
    if (s.url.rfind("https://", 0) != 0) return Bad("'url' must be an https:// URL");
    if (auto st = CheckRequestTemplate(s.url, s.parts, "url"); !st.ok()) return st;
    if (auto st = CheckRequestTemplate(s.body, s.parts, "body"); !st.ok()) return st;
    // A host built from a part must fall under a "*." entry; a fixed host must be listed.
    std::string host = UrlHost(s.url);
    for (size_t p; (p = host.find("{{")) != std::string::npos;) {
      const size_t e = host.find("}}", p);
      host.replace(p, e == std::string::npos ? host.size() - p : e + 2 - p, "x");
    }
    if (!HostAllowed(host, s.hosts)) return Bad(Cat("the url's host '", UrlHost(s.url), "' is not in 'hosts'"));
  }
  if (const toml::node* n = t.get("when")) {
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return Bad("'when' must be [[rule.verify.when]] tables");
    for (const toml::node& e : *arr) {
      const toml::table* ot = e.as_table();
      if (ot == nullptr) return Bad("'when' must be [[rule.verify.when]] tables");
      auto o = ParseOutcome(*ot);
      if (!o.ok()) return o.status();
      s.outcomes.push_back(*std::move(o));
    }
  }
  if (s.kind == "http" && s.outcomes.empty()) return Bad("an http verifier needs [[rule.verify.when]] outcomes");
  s.identity = t["identity"].value_or(std::string());
  s.scopes = t["scopes"].value_or(std::string());
  s.expires_at = t["expires_at"].value_or(std::string());
  if (auto st = CheckExtractTemplate(s.identity, "identity"); !st.ok()) return st;
  if (auto st = CheckExtractTemplate(s.scopes, "scopes"); !st.ok()) return st;
  if (auto st = CheckExtractTemplate(s.expires_at, "expires_at"); !st.ok()) return st;
  if (auto st = Strings(t, "broad_scopes", &s.broad_scopes); !st.ok()) return st;
  s.never_expires = t["never_expires"].value_or(false);
  s.rate = t["rate"].value_or(0.0);
  if (s.rate < 0) return Bad("'rate' must not be negative");
  if (auto st = Strings(t, "references", &s.references); !st.ok()) return st;
  if (s.references.empty()) return Bad("'references' must cite the provider's documentation of the endpoint");
  return s;
}

}  // namespace keysweep
