#include "engine/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <pcre2.h>
#include <toml++/toml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "engine/strings.h"

namespace keysweep {
namespace {

template <typename View>
absl::Status StringArray(const View& n, const std::string& path,
                         std::string_view what, std::vector<std::string>* out, bool lower = false) {
  if (!n) return absl::OkStatus();
  const toml::array* arr = n.as_array();
  if (arr == nullptr) return absl::InvalidArgumentError(Cat(path, ": '", what, "' must be an array of strings"));
  for (const toml::node& e : *arr) {
    auto s = e.value<std::string>();
    if (!s) return absl::InvalidArgumentError(Cat(path, ": '", what, "' must be an array of strings"));
    out->push_back(lower ? absl::AsciiStrToLower(*s) : *s);
  }
  return absl::OkStatus();
}

}  // namespace

bool ParseByteSize(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t mult = 1;
  std::string num = s;
  switch (s.back()) {
    case 'k': case 'K': mult = 1ull << 10; num.pop_back(); break;
    case 'm': case 'M': mult = 1ull << 20; num.pop_back(); break;
    case 'g': case 'G': mult = 1ull << 30; num.pop_back(); break;
    default: break;
  }
  uint64_t v = 0;
  if (!absl::SimpleAtoi(num, &v)) return false;
  *out = v * mult;
  return true;
}

namespace {

struct Pcre2CodeDeleter { void operator()(pcre2_code* c) const { pcre2_code_free(c); } };
using Regex = std::shared_ptr<pcre2_code>;

absl::StatusOr<Regex> CompileRegex(const std::string& re, const std::string& where) {
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(), 0, &err, &off, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return absl::InvalidArgumentError(Cat(where, ": bad regex '", re, "' at offset ", off, ": ",
                                          reinterpret_cast<const char*>(msg)));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return Regex(code, Pcre2CodeDeleter());
}

bool RegexMatches(const Regex& re, std::string_view s) {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re.get(), nullptr);
  const int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, md, nullptr);
  pcre2_match_data_free(md);
  return rc >= 0;
}

bool GlobMatch(std::string_view p, std::string_view s) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) { ++pi; ++si; continue; }
    if (pi < p.size() && p[pi] == '*') { star = pi++; mark = si; continue; }
    if (star != std::string_view::npos) { pi = star + 1; si = ++mark; continue; }
    return false;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

bool GlobMatchPath(std::string_view pattern, std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  while (pattern.substr(0, 2) == "./") pattern.remove_prefix(2);
  if (GlobMatch(pattern, path)) return true;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && GlobMatch(pattern, path.substr(i + 1))) return true;
  }
  return false;
}

absl::StatusOr<Config> ParseConfig(std::string_view text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& err) {
    return absl::InvalidArgumentError(Cat(path, ":", err.source().begin.line, ":", err.source().begin.column, ": ",
                                          err.description()));
  }
  Config c;
  c.path = path;
  static const char* kTop[] = {"scan", "rules", "allowlist", "override", "rule", "provider"};
  for (const auto& [k, v] : root) {
    bool known = false;
    for (const char* t : kTop) known = known || k.str() == t;
    if (!known) return absl::InvalidArgumentError(Cat(path, ": unknown section or key '", k.str(), "'"));
  }
  if (const toml::table* scan = root["scan"].as_table()) {
    const auto view = toml::node_view<const toml::node>(*scan);
    if (auto f = view["format"].value<std::string>()) c.format = *f;
    if (auto e = view["exit_code"].value<int64_t>()) c.exit_code = static_cast<int>(*e);
    if (auto b = view["baseline"].value<std::string>()) c.baseline = *b;
    if (auto m = view["max_file_size"].value<std::string>()) {
      uint64_t v = 0;
      if (!ParseByteSize(*m, &v)) return absl::InvalidArgumentError(Cat(path, ": [scan] max_file_size: bad size '", *m, "'"));
      c.max_file_size = v;
    } else if (auto mi = view["max_file_size"].value<int64_t>()) {
      c.max_file_size = static_cast<uint64_t>(*mi);
    }
  }
  const auto rules = root["rules"];
  if (auto s = StringArray(rules["paths"], path, "rules.paths", &c.rule_paths); !s.ok()) return s;
  if (auto s = StringArray(rules["disable"], path, "rules.disable", &c.disable); !s.ok()) return s;
  if (auto s = StringArray(rules["only"], path, "rules.only", &c.only); !s.ok()) return s;
  const auto allow = root["allowlist"];
  if (auto s = StringArray(allow["paths"], path, "allowlist.paths", &c.allow_paths); !s.ok()) return s;
  if (auto s = StringArray(allow["secrets"], path, "allowlist.secrets", &c.allow_secrets); !s.ok()) return s;
  if (auto s = StringArray(allow["path_regexes"], path, "allowlist.path_regexes", &c.allow_path_regexes); !s.ok()) return s;
  if (auto s = StringArray(allow["stopwords"], path, "allowlist.stopwords", &c.stopwords, true); !s.ok()) return s;
  if (const toml::table* ov = root["override"].as_table()) {
    for (const auto& [id, node] : *ov) {
      const toml::table* t = node.as_table();
      if (t == nullptr) return absl::InvalidArgumentError(Cat(path, ": [override.", id.str(), "] must be a table"));
      RuleOverride o;
      const auto view = toml::node_view<const toml::node>(*t);
      if (auto e = view["min_entropy"].value<double>()) o.min_entropy = *e;
      if (auto conf = view["confidence"].value<std::string>()) {
        if (*conf == "high") o.confidence = Confidence::kHigh;
        else if (*conf == "medium") o.confidence = Confidence::kMedium;
        else if (*conf == "low") o.confidence = Confidence::kLow;
        else return absl::InvalidArgumentError(Cat(path, ": [override.", id.str(), "] bad confidence '", *conf, "'"));
      }
      const std::string where = Cat("override.", id.str());
      if (auto s = StringArray(view["stopwords"], path, where + ".stopwords", &o.stopwords, true); !s.ok()) return s;
      if (auto s = StringArray(view["allow_paths"], path, where + ".allow_paths", &o.allow_paths); !s.ok()) return s;
      if (auto s = StringArray(view["allow_secrets"], path, where + ".allow_secrets", &o.allow_secrets); !s.ok()) return s;
      if (auto s = StringArray(view["allow_path_regexes"], path, where + ".allow_path_regexes", &o.allow_path_regexes); !s.ok()) return s;
      c.overrides[std::string(id.str())] = std::move(o);
    }
  }
  if (root["rule"]) {
    // Inline rules use the rule-file format; the provider defaults to "custom".
    std::string with_provider(text);
    if (!root["provider"]) with_provider = "provider = \"custom\"\n" + with_provider;
    toml::table t;
    try {
      t = toml::parse(with_provider, path);
    } catch (const toml::parse_error& err) {
      return absl::InvalidArgumentError(Cat(path, ": ", err.description()));
    }
    // Keep only what a rule file has, then parse it as one.
    toml::table rules_only;
    rules_only.insert("provider", *t["provider"].node());
    rules_only.insert("rule", *t["rule"].node());
    std::stringstream ss;
    ss << rules_only;
    auto parsed = ParseRuleFile(ss.str(), path);
    if (!parsed.ok()) return parsed.status();
    c.rules = *std::move(parsed);
  }
  return c;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat(path, ": cannot open config file"));
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = ParseConfig(ss.str(), path);
  if (!c.ok()) return c;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (auto& p : c->rule_paths) {
    if (std::filesystem::path(p).is_relative()) p = (base / p).string();
  }
  if (c->baseline && std::filesystem::path(*c->baseline).is_relative()) c->baseline = (base / *c->baseline).string();
  return c;
}

std::string FindConfigFile(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path d = fs::absolute(dir, ec);
  if (ec) return "";
  if (fs::exists(d / ".keysweep.toml", ec)) return (d / ".keysweep.toml").string();
  for (fs::path p = d; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) {
      return fs::exists(p / ".keysweep.toml", ec) ? (p / ".keysweep.toml").string() : "";
    }
    if (p == p.parent_path()) break;
  }
  return "";
}

absl::Status ApplyOverrides(const Config& config, std::vector<Rule>* rules) {
  for (const auto& [id, o] : config.overrides) {
    Rule* r = nullptr;
    for (auto& x : *rules) if (x.id == id) r = &x;
    if (r == nullptr) return absl::InvalidArgumentError(Cat(config.path, ": [override.", id, "]: unknown rule id"));
    if (o.min_entropy) r->min_entropy = *o.min_entropy;
    if (o.confidence) r->confidence = *o.confidence;
    r->stopwords.insert(r->stopwords.end(), o.stopwords.begin(), o.stopwords.end());
  }
  return absl::OkStatus();
}

struct ConfigAllowlist::Compiled {
  std::vector<std::string> paths;
  std::vector<Regex> path_regexes;
  std::vector<Regex> secrets;
  std::vector<std::string> stopwords;
  struct PerRule {
    std::vector<std::string> paths;
    std::vector<Regex> path_regexes;
    std::vector<Regex> secrets;
  };
  std::map<std::string, PerRule, std::less<>> rules;
};

absl::StatusOr<ConfigAllowlist> ConfigAllowlist::Create(const Config& config) {
  auto c = std::make_shared<Compiled>();
  c->paths = config.allow_paths;
  c->stopwords = config.stopwords;
  for (const auto& re : config.allow_secrets) {
    auto r = CompileRegex(re, Cat(config.path, ": [allowlist] secrets"));
    if (!r.ok()) return r.status();
    c->secrets.push_back(*r);
  }
  for (const auto& re : config.allow_path_regexes) {
    auto r = CompileRegex(re, Cat(config.path, ": [allowlist] path_regexes"));
    if (!r.ok()) return r.status();
    c->path_regexes.push_back(*r);
  }
  bool any = !c->paths.empty() || !c->secrets.empty() || !c->stopwords.empty() || !c->path_regexes.empty();
  for (const auto& [id, o] : config.overrides) {
    Compiled::PerRule pr;
    pr.paths = o.allow_paths;
    for (const auto& re : o.allow_secrets) {
      auto r = CompileRegex(re, Cat(config.path, ": [override.", id, "] allow_secrets"));
      if (!r.ok()) return r.status();
      pr.secrets.push_back(*r);
    }
    for (const auto& re : o.allow_path_regexes) {
      auto r = CompileRegex(re, Cat(config.path, ": [override.", id, "] allow_path_regexes"));
      if (!r.ok()) return r.status();
      pr.path_regexes.push_back(*r);
    }
    any = any || !pr.paths.empty() || !pr.secrets.empty() || !pr.path_regexes.empty();
    c->rules[id] = std::move(pr);
  }
  ConfigAllowlist a;
  a.c_ = std::move(c);
  a.empty_ = !any;
  return a;
}

std::string_view ConfigAllowlist::Allowed(std::string_view rule_id, std::string_view secret,
                                          std::string_view path) const {
  if (empty_) return {};
  const Compiled& c = *c_;
  for (const auto& g : c.paths) if (GlobMatchPath(g, path)) return "allowlisted path";
  for (const auto& re : c.path_regexes) if (RegexMatches(re, path)) return "allowlisted path";
  for (const auto& re : c.secrets) if (RegexMatches(re, secret)) return "allowlisted secret";
  if (!c.stopwords.empty()) {
    const std::string lower = absl::AsciiStrToLower(absl::string_view(secret.data(), secret.size()));
    for (const auto& w : c.stopwords) if (lower.find(w) != std::string::npos) return "allowlisted stop-word";
  }
  if (auto it = c.rules.find(rule_id); it != c.rules.end()) {
    for (const auto& g : it->second.paths) if (GlobMatchPath(g, path)) return "allowlisted path";
    for (const auto& re : it->second.path_regexes) if (RegexMatches(re, path)) return "allowlisted path";
    for (const auto& re : it->second.secrets) if (RegexMatches(re, secret)) return "allowlisted secret";
  }
  return {};
}

}  // namespace keysweep
