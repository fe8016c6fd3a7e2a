// RangeFilter: the CI-mode rule "report only findings first introduced in the range". The history
// source already scans only blobs the range introduced (HistoryOptions::range); but a blob the range
// introduced by editing a file still carries the secrets that file had before. A finding is kept
// when at least one occurrence is new: in a commit message of the range, or in a blob whose
// replaced versions (what the introducing commits' parents had at the same paths) do not contain
// the secret. Occurrences that are not new are dropped from kept findings.
// Limits: a secret copied from an older file into a new path counts as new (it is a new exposure);
// only the first FindingSet::max_occurrences occurrences of a finding are looked at.
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
  // True when `secret` at `occ` was not already in a version the range replaced.
  bool IsNew(const Occurrence& occ, std::string_view secret);

 private:
  const std::string* Content(const git_oid& id);

  LibGit2Guard libgit2_;
  std::string repo_path_;
  RepoPtr repo_;  // opened lazily, on the thread that runs Apply
  absl::flat_hash_map<std::string, std::vector<git_oid>> replaced_;  // hex blob id -> replaced blobs
  absl::flat_hash_map<git_oid, std::unique_ptr<std::string>, OidHash, OidEq> contents_;
};

}  // namespace keysweep::git
