// Rules: what a secret looks like. Loaded from TOML (detectors/*.toml, format in detectors/README.md).
// A Rule is plain data, immutable after loading; safe to share across threads.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/verify_spec.h"

namespace keysweep {

enum class Confidence { kLow = 0, kMedium = 1, kHigh = 2 };
std::string_view ConfidenceName(Confidence c);

struct RuleExample {
  std::string text;
  std::string secret;  // positives only: the secret the rule must yield
};

struct Rule {
  std::string id;
  std::string name;
  std::string provider;
  std::string category;
  Confidence confidence = Confidence::kMedium;
  std::string pattern;      // Hyperscan + PCRE2 syntax
  std::string prefilter;    // optional Hyperscan-only trigger pattern
  int secret_group = -1;    // -1: 1 if the pattern has a capture group, else 0
  double min_entropy = 0;
  std::vector<std::string> keywords;   // lower-case
  std::vector<std::string> stopwords;  // lower-case
  std::string validate;                // named validator, empty for none
  size_t max_length = 0;               // 0: derived from the pattern
  std::vector<std::string> references;
  std::vector<RuleExample> positives;
  std::vector<RuleExample> negatives;
  std::string source;                  // file the rule came from
  std::shared_ptr<const VerifySpec> verify;  // the [rule.verify] table; null when the rule has none
  std::string verify_source;                 // that table as TOML text (carried by the built-in table)
  // A helper that only supplies a [rule.verify] part (a Twilio account SID, a Shopify shop name):
  // matched like any rule, never reported.
  bool part_only = false;
};

// Parses one rule file. Errors name `path`, the rule id (when known) and the reason.
absl::StatusOr<std::vector<Rule>> ParseRuleFile(std::string_view toml_text, std::string_view path);

// The rules compiled into the binary.
absl::StatusOr<std::vector<Rule>> LoadBuiltinRules();

// A rule file, or every *.toml below a folder (sorted by path).
absl::StatusOr<std::vector<Rule>> LoadRulesFromPath(const std::string& path);

// Fails when two rules share an id (naming both files).
absl::Status CheckUniqueIds(const std::vector<Rule>& rules);

// Keeps rules whose id is in `only` (if non-empty) and not in `disable`. Unknown ids are an error.
absl::StatusOr<std::vector<Rule>> SelectRules(std::vector<Rule> rules,
                                              const std::vector<std::string>& only,
                                              const std::vector<std::string>& disable);

}  // namespace keysweep
