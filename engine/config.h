// The project config file, .keysweep.toml: defaults for the command line, extra rules, disabled rules,
// per-rule overrides and allowlists. Found with --config FILE, else .keysweep.toml in the current
// folder or at the root of the enclosing git work tree. Format in README.md ("Config file").
// Plain data; thread-compatible.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/findings.h"
#include "engine/rules.h"

namespace keysweep {

struct RuleOverride {
  std::optional<double> min_entropy;
  std::optional<Confidence> confidence;
  std::vector<std::string> stopwords;      // added to the rule's
  std::vector<std::string> allow_paths;    // globs: occurrences there are dropped for this rule
  std::vector<std::string> allow_secrets;  // regexes: matching secrets are dropped for this rule
  std::vector<std::string> allow_path_regexes;  // regexes over the path (as gitleaks writes them)
};

struct Config {
  std::string path;  // where it was loaded from
  // [scan] defaults (the command line overrides them).
  std::optional<std::string> format;
  std::optional<int> exit_code;
  std::optional<uint64_t> max_file_size;
  std::optional<std::string> baseline;
  // [rules]
  std::vector<std::string> rule_paths;   // relative to the config file's folder
  std::vector<std::string> disable;
  std::vector<std::string> only;
  std::vector<Rule> rules;               // [[rule]] tables in the config itself
  std::map<std::string, RuleOverride> overrides;  // [override.<rule-id>]
  // [allowlist] (all rules)
  std::vector<std::string> allow_paths;
  std::vector<std::string> allow_path_regexes;
  std::vector<std::string> allow_secrets;
  std::vector<std::string> stopwords;
};

absl::StatusOr<Config> ParseConfig(std::string_view toml_text, const std::string& path);
absl::StatusOr<Config> LoadConfigFile(const std::string& path);
// .keysweep.toml in `dir` or at the root of the git work tree around it; empty if none.
std::string FindConfigFile(const std::string& dir);

// Applies overrides (entropy, confidence, stop-words) to loaded rules. Unknown rule ids are an error.
absl::Status ApplyOverrides(const Config& config, std::vector<Rule>* rules);

// Decides whether an occurrence is allowlisted by the config (paths, secret regexes, stop-words,
// per-rule allowlists). Compiled once; Allowed() is safe for concurrent use.
class ConfigAllowlist {
 public:
  static absl::StatusOr<ConfigAllowlist> Create(const Config& config);
  // Empty string if kept; otherwise the reason ("allowlisted path", "allowlisted secret").
  std::string_view Allowed(std::string_view rule_id, std::string_view secret, std::string_view path) const;
  bool empty() const { return empty_; }

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> c_;
  bool empty_ = true;
};

// "10M", "512k", "2G" or a plain byte count.
bool ParseByteSize(const std::string& text, uint64_t* bytes);

// Glob match: '*' and '?' match any characters including '/', "**" likewise; a pattern matches a path
// if it matches the whole path (without a leading "./") or any part of it that starts after a '/'.
bool GlobMatchPath(std::string_view pattern, std::string_view path);

}  // namespace keysweep
