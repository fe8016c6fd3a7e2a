#include "engine/strings.h"
#include "engine/rules.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/matcher.h"

#include <toml++/toml.h>

namespace keysweep {
namespace {

const absl::flat_hash_set<std::string_view>& KnownCategories() {
  static const auto* cats = new absl::flat_hash_set<std::string_view>{
      "cloud", "vcs", "messaging", "payments", "ai", "observability", "saas", "data", "keys",
      "generic"};
  return *cats;
}

absl::Status RuleError(std::string_view path, std::string_view id, std::string_view why) {
  return absl::InvalidArgumentError(
      Cat(path, ": rule '", id.empty() ? "?" : id, "': ", why));
}

// Reads an array of strings; anything else is an error.
absl::Status StringList(const toml::table& t, std::string_view key, std::string_view path,
                        std::string_view id, std::vector<std::string>* out, bool lower = false) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return absl::OkStatus();
  const toml::array* arr = n->as_array();
  if (arr == nullptr) return RuleError(path, id, Cat("'", key, "' must be an array of strings"));
  for (const toml::node& e : *arr) {
    auto s = e.value<std::string>();
    if (!s) return RuleError(path, id, Cat("'", key, "' must be an array of strings"));
    out->push_back(lower ? absl::AsciiStrToLower(*s) : *s);
  }
  return absl::OkStatus();
}

absl::StatusOr<Rule> ParseRule(const toml::table& t, std::string_view provider, std::string_view path) {
  Rule r;
  r.provider = std::string(provider);
  r.source = std::string(path);
  static const absl::flat_hash_set<std::string_view> kKnownKeys = {
      "id", "name", "description", "category", "confidence", "pattern", "prefilter", "secret_group",
      "min_entropy", "keywords", "stopwords", "validate", "max_length", "references", "positive",
      "negative", "verify", "tags"};
  if (auto id = t["id"].value<std::string>()) r.id = *id;
  if (r.id.empty()) return RuleError(path, "", "missing 'id'");
  for (const auto& [k, v] : t) {
    if (!kKnownKeys.contains(k.str())) return RuleError(path, r.id, Cat("unknown key '", k.str(), "'"));
  }
  for (char c : r.id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '.' || c == '_'))
      return RuleError(path, r.id, "id must use only a-z, 0-9, '-', '_' and '.'");
  }
  r.name = t["name"].value_or(t["description"].value_or(std::string(r.id)));
  r.category = t["category"].value_or(std::string("generic"));
  if (!KnownCategories().contains(r.category))
    return RuleError(path, r.id, Cat("unknown category '", r.category, "'"));
  std::string conf = t["confidence"].value_or(std::string("medium"));
  if (conf == "high") r.confidence = Confidence::kHigh;
  else if (conf == "medium") r.confidence = Confidence::kMedium;
  else if (conf == "low") r.confidence = Confidence::kLow;
  else return RuleError(path, r.id, Cat("confidence must be high, medium or low, not '", conf, "'"));
  auto pattern = t["pattern"].value<std::string>();
  if (!pattern || pattern->empty()) return RuleError(path, r.id, "missing 'pattern'");
  r.pattern = *pattern;
  r.prefilter = t["prefilter"].value_or(std::string());
  r.secret_group = static_cast<int>(t["secret_group"].value_or(int64_t{-1}));
  r.min_entropy = t["min_entropy"].value_or(0.0);
  r.validate = t["validate"].value_or(std::string());
  if (!r.validate.empty() && !IsKnownValidator(r.validate))
    return RuleError(path, r.id, Cat("unknown validator '", r.validate, "'"));
  int64_t max_length = t["max_length"].value_or(int64_t{0});
  if (max_length < 0 || max_length > (1 << 20)) return RuleError(path, r.id, "max_length out of range");
  r.max_length = static_cast<size_t>(max_length);
  if (auto s = StringList(t, "keywords", path, r.id, &r.keywords, true); !s.ok()) return s;
  if (auto s = StringList(t, "stopwords", path, r.id, &r.stopwords, true); !s.ok()) return s;
  if (auto s = StringList(t, "references", path, r.id, &r.references); !s.ok()) return s;
  std::vector<std::string> negatives;
  if (auto s = StringList(t, "negative", path, r.id, &negatives); !s.ok()) return s;
  for (auto& n : negatives) r.negatives.push_back({std::move(n), ""});
  if (const toml::node* pos = t.get("positive")) {
    const toml::array* arr = pos->as_array();
    if (arr == nullptr) return RuleError(path, r.id, "'positive' must be an array of tables");
    for (const toml::node& e : *arr) {
      const toml::table* pt = e.as_table();
      if (pt == nullptr) return RuleError(path, r.id, "'positive' entries must be tables {text, secret}");
      auto text = (*pt)["text"].value<std::string>();
      auto secret = (*pt)["secret"].value<std::string>();
      if (!text || !secret) return RuleError(path, r.id, "each positive needs 'text' and 'secret'");
      r.positives.push_back({*text, *secret});
    }
  }
  return r;
}

}  // namespace

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return "high";
    case Confidence::kMedium: return "medium";
    case Confidence::kLow: return "low";
  }
  return "medium";
}

absl::StatusOr<std::vector<Rule>> ParseRuleFile(std::string_view toml_text, std::string_view path) {
  // Debian's toml++ is built with exceptions; they stop here and become a Status.
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& err) {
    return absl::InvalidArgumentError(Cat(path, ":", err.source().begin.line, ":",
                                          err.source().begin.column, ": ", err.description()));
  }
  std::string provider = root["provider"].value_or(std::string());
  if (provider.empty()) return absl::InvalidArgumentError(Cat(path, ": missing 'provider'"));
  const toml::array* rules = root["rule"].as_array();
  if (rules == nullptr || rules->empty())
    return absl::InvalidArgumentError(Cat(path, ": no [[rule]] tables"));
  std::vector<Rule> out;
  for (const toml::node& n : *rules) {
    const toml::table* t = n.as_table();
    if (t == nullptr) return absl::InvalidArgumentError(Cat(path, ": 'rule' must be [[rule]] tables"));
    auto r = ParseRule(*t, provider, path);
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<Rule>> LoadRulesFromPath(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".toml") files.push_back(it->path().string());
    }
    if (ec) return absl::NotFoundError(Cat(path, ": ", ec.message()));
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<Rule> all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return absl::NotFoundError(Cat(f, ": cannot open rule file"));
    std::stringstream ss;
    ss << in.rdbuf();
    auto rules = ParseRuleFile(ss.str(), f);
    if (!rules.ok()) return rules.status();
    for (auto& r : *rules) all.push_back(std::move(r));
  }
  return all;
}

absl::Status CheckUniqueIds(const std::vector<Rule>& rules) {
  absl::flat_hash_map<std::string_view, const Rule*> seen;
  for (const Rule& r : rules) {
    auto [it, inserted] = seen.emplace(r.id, &r);
    if (!inserted) {
      return absl::InvalidArgumentError(Cat("rule id '", r.id, "' is defined twice: in ",
                                                     it->second->source, " and in ", r.source));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Rule>> SelectRules(std::vector<Rule> rules,
                                              const std::vector<std::string>& only,
                                              const std::vector<std::string>& disable) {
  absl::flat_hash_set<std::string_view> ids;
  for (const Rule& r : rules) ids.insert(r.id);
  for (const auto* list : {&only, &disable}) {
    for (const auto& id : *list) {
      if (!ids.contains(id)) return absl::InvalidArgumentError(Cat("unknown rule id '", id, "'"));
    }
  }
  absl::flat_hash_set<std::string> only_set(only.begin(), only.end());
  absl::flat_hash_set<std::string> disable_set(disable.begin(), disable.end());
  std::vector<Rule> out;
  for (auto& r : rules) {
    if (!only_set.empty() && !only_set.contains(r.id)) continue;
    if (disable_set.contains(r.id)) continue;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace keysweep
