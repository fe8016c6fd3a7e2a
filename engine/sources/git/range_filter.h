// RangeFilter: the CI-mode rule "report only findings first introduced in the range". The history
// source already scans only blobs the range introduced (HistoryOptions::range); but a blob the range
// introduced by editing a file still carries the secrets that file had before. An occurrence is
// old when the range's base (the commits just outside it) had the secret in the file at one of the
// blob's introducing paths; a finding is kept when at least one occurrence is new (commit messages
// of the range are always new), and its old occurrences are dropped.
// Comparing with the base, not with each commit's parents, keeps this right across merges and
// chains of edits inside the range; base content the range renamed or copied counts as base at its
// new path. Limits: a file renamed and edited in the same commit has no base at its new path, so its
// old secrets count as new; only the first FindingSet::max_occurrences occurrences are looked at.
//
// Thread-safety: Apply() from one thread (RunScan's post_process); not for concurrent use.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/findings.h"
#include "engine/sources/git/git_handles.h"
#include "engine/sources/git/history_index.h"

namespace keysweep::git {

class RangeFilter {
 public:
  RangeFilter(std::string repo_path, const HistoryIndex& index);
  // Drops findings with no new occurrence, and the old occurrences of the others.
  void Apply(FindingSet* findings);
  // True when the base did not have `secret` in the file at any of occ's introducing paths.
  bool IsNew(const Occurrence& occ, std::string_view secret);

 private:
  const std::string* Content(const git_oid& id);

  LibGit2Guard libgit2_;
  std::string repo_path_;
  RepoPtr repo_;  // opened lazily, on the thread that runs Apply
  absl::flat_hash_map<std::string, std::vector<git_oid>> base_;  // path -> blobs there in the base
  absl::flat_hash_map<git_oid, std::unique_ptr<std::string>, OidHash, OidEq> contents_;
};

}  // namespace keysweep::git
