#include "engine/gitleaks_import.h"

#include <toml++/toml.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "engine/matcher.h"
#include "engine/strings.h"

namespace keysweep {
namespace {

// A TOML string for s: a literal string when possible (regexes stay readable), else a basic one.
std::string TomlString(std::string_view s) {
  if (s.find("'''") == std::string_view::npos && s.find('\n') == std::string_view::npos &&
      s.find('\r') == std::string_view::npos)
    return Cat("'''", s, "'''");
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

std::string TomlArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) Append(&out, i ? ", " : "", TomlString(v[i]));
  return out + "]";
}

std::vector<std::string> Strings(const toml::node_view<const toml::node>& n) {
  std::vector<std::string> out;
  if (const toml::array* a = n.as_array())
    for (const toml::node& e : *a)
      if (auto s = e.value<std::string>()) out.push_back(*s);
  return out;
}

// gitleaks has both [rules.allowlist] (old) and [[rules.allowlists]] (new); the same for the global one.
std::vector<const toml::table*> Allowlists(const toml::node_view<const toml::node>& parent) {
  std::vector<const toml::table*> out;
  if (const toml::table* t = parent["allowlist"].as_table()) out.push_back(t);
  if (const toml::array* a = parent["allowlists"].as_array())
    for (const toml::node& e : *a)
      if (const toml::table* t = e.as_table()) out.push_back(t);
  return out;
}

struct Collected {
  std::vector<std::string> stopwords, secrets, path_regexes;
};

// Reads one gitleaks allowlist; what keysweep cannot express goes to notes.
void ReadAllowlist(const toml::table& t, std::string_view where, Collected* c, std::vector<std::string>* notes) {
  const toml::node_view<const toml::node> v(t);
  const std::string target = v["regexTarget"].value_or(std::string("secret"));
  for (auto& s : Strings(v["stopwords"])) c->stopwords.push_back(absl::AsciiStrToLower(s));
  auto regexes = Strings(v["regexes"]);
  if (!regexes.empty()) {
    if (target == "secret") {
      for (auto& r : regexes) c->secrets.push_back(r);
    } else {
      notes->push_back(Cat(where, ": allowlist regexes with regexTarget = \"", target,
                           "\" (keysweep allowlists match the secret; not converted: ", regexes.size(), ")"));
    }
  }
  for (auto& p : Strings(v["paths"])) c->path_regexes.push_back(p);
  if (auto commits = Strings(v["commits"]); !commits.empty())
    notes->push_back(Cat(where, ": allowlist by commit (", commits.size(),
                         " commits) has no keysweep equivalent; use a baseline instead"));
  if (std::string cond = v["condition"].value_or(std::string("OR")); cond == "AND")
    notes->push_back(Cat(where, ": allowlist condition AND is treated as OR (any listed item allows)"));
}

}  // namespace

absl::StatusOr<GitleaksImport> ImportGitleaksConfig(std::string_view toml_text, const std::string& path,
                                                    const std::vector<Rule>& builtin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& err) {
    return absl::InvalidArgumentError(Cat(path, ":", err.source().begin.line, ":", err.source().begin.column, ": ",
                                          err.description()));
  }
  const toml::node_view<const toml::node> r(root);
  GitleaksImport out;
  absl::flat_hash_set<std::string> builtin_ids;
  for (const Rule& b : builtin) builtin_ids.insert(b.id);

  std::string head = Cat("# Converted from ", path, " by keysweep config import-gitleaks.\n");
  std::string rules_text, overrides_text;
  std::vector<std::string> disable;

  if (const toml::table* ext = r["extend"].as_table()) {
    const toml::node_view<const toml::node> e(*ext);
    if (e["useDefault"].value_or(false))
      Append(&head, "# extend.useDefault: keysweep's built-in rules are on by default.\n");
    else
      Append(&head, "# gitleaks did not extend its defaults; keysweep's built-in rules stay on unless you add\n"
                    "# --no-builtin-rules (or list ids under [rules] disable).\n");
    if (auto p = e["path"].value<std::string>())
      out.not_converted.push_back(Cat("extend.path = \"", *p, "\": import that file separately and merge"));
    for (auto& d : Strings(e["disabledRules"])) {
      if (builtin_ids.contains(d)) disable.push_back(d);
      else out.not_converted.push_back(Cat("extend.disabledRules: '", d, "' is a gitleaks default rule with no keysweep rule of that id"));
    }
  }

  Collected global;
  for (const toml::table* t : Allowlists(r)) ReadAllowlist(*t, "global", &global, &out.not_converted);

  if (const toml::array* rules = r["rules"].as_array()) {
    for (const toml::node& n : *rules) {
      const toml::table* t = n.as_table();
      if (t == nullptr) continue;
      const toml::node_view<const toml::node> v(*t);
      std::string id = v["id"].value_or(std::string());
      if (id.empty()) {
        out.not_converted.push_back("a rule without an id");
        continue;
      }
      const std::string where = Cat("rule '", id, "'");
      auto regex = v["regex"].value<std::string>();
      if (!regex) {
        out.not_converted.push_back(Cat(where, ": has no regex (path-only rules are not supported)"));
        continue;
      }
      std::string kid = absl::AsciiStrToLower(id);
      for (char& c : kid)
        if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) c = '-';
      if (builtin_ids.contains(kid)) kid = "gitleaks-" + kid;
      Rule probe;
      probe.id = kid;
      probe.source = path;
      probe.pattern = *regex;
      probe.secret_group = static_cast<int>(v["secretGroup"].value_or(int64_t{-1}));
      if (auto m = Matcher::Create({probe}); !m.ok()) {
        out.not_converted.push_back(Cat(where, ": ", m.status().message()));
        continue;
      }
      Append(&rules_text, "\n[[rule]]\nid = \"", kid, "\"\nname = ", TomlString(v["description"].value_or(id)),
             "\ncategory = \"generic\"\nconfidence = \"medium\"\npattern = ", TomlString(*regex), "\n");
      if (auto g = v["secretGroup"].value<int64_t>()) Append(&rules_text, "secret_group = ", *g, "\n");
      if (auto e = v["entropy"].value<double>()) Append(&rules_text, "min_entropy = ", *e, "\n");
      if (auto kw = Strings(v["keywords"]); !kw.empty()) {
        for (auto& k : kw) k = absl::AsciiStrToLower(k);
        Append(&rules_text, "keywords = ", TomlArray(kw), "\n");
      }
      if (auto p = v["path"].value<std::string>())
        out.not_converted.push_back(Cat(where, ": path = '", *p, "' (rules limited to paths are not supported; the rule applies everywhere)"));
      Collected own;
      for (const toml::table* al : Allowlists(v)) ReadAllowlist(*al, where, &own, &out.not_converted);
      if (!own.stopwords.empty() || !own.secrets.empty() || !own.path_regexes.empty()) {
        Append(&overrides_text, "\n[override.\"", kid, "\"]\n");
        if (!own.stopwords.empty()) Append(&overrides_text, "stopwords = ", TomlArray(own.stopwords), "\n");
        if (!own.secrets.empty()) Append(&overrides_text, "allow_secrets = ", TomlArray(own.secrets), "\n");
        if (!own.path_regexes.empty()) Append(&overrides_text, "allow_path_regexes = ", TomlArray(own.path_regexes), "\n");
      }
      ++out.rules_converted;
    }
  }

  std::string body = head;
  if (!disable.empty()) Append(&body, "\n[rules]\ndisable = ", TomlArray(disable), "\n");
  if (!global.stopwords.empty() || !global.secrets.empty() || !global.path_regexes.empty()) {
    Append(&body, "\n[allowlist]\n");
    if (!global.path_regexes.empty()) Append(&body, "path_regexes = ", TomlArray(global.path_regexes), "\n");
    if (!global.secrets.empty()) Append(&body, "secrets = ", TomlArray(global.secrets), "\n");
    if (!global.stopwords.empty()) Append(&body, "stopwords = ", TomlArray(global.stopwords), "\n");
  }
  body += overrides_text;
  body += rules_text;
  out.keysweep_toml = std::move(body);
  return out;
}

}  // namespace keysweep
