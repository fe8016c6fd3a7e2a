// Converts a gitleaks config (.gitleaks.toml) into a keysweep config (.keysweep.toml): rules,
// per-rule and global allowlists, stop-words and extend settings. What has no keysweep equivalent
// (or a regex that Hyperscan or PCRE2 rejects) is listed, never dropped silently.
#pragma once
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/rules.h"

namespace keysweep {

struct GitleaksImport {
  std::string keysweep_toml;           // the converted config
  std::vector<std::string> not_converted;  // one line per item that could not be converted, and why
  int rules_converted = 0;
};

// `builtin` is used to avoid id clashes (a clashing gitleaks rule id gets a "gitleaks-" prefix).
absl::StatusOr<GitleaksImport> ImportGitleaksConfig(std::string_view toml_text, const std::string& path,
                                                    const std::vector<Rule>& builtin);

}  // namespace keysweep
