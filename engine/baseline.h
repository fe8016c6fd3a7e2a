// Baselines: the fingerprints (SHA-256 of rule id and secret) of findings a team has accepted.
// No path or commit is stored, so entries survive moves, squash-merges and rebases; no secret is
// stored either. Pure functions; thread-compatible.
#pragma once
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "engine/findings.h"
#include "engine/rules.h"

namespace keysweep {

struct BaselineEntry {
  std::string fingerprint;
  std::string rule_id;
};

// Reads a baseline file; errors name the file and what is wrong.
absl::StatusOr<std::vector<BaselineEntry>> LoadBaseline(const std::string& path);
// JSON text of a baseline with these entries (sorted by fingerprint, deduplicated).
std::string FormatBaseline(std::vector<BaselineEntry> entries);
// Entries for the given findings.
std::vector<BaselineEntry> BaselineFor(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules);

}  // namespace keysweep
