// RangeFilter: the CI-mode rule "report only findings first introduced in the range". The history
// source already scans only blobs the range introduced (HistoryOptions::range); but a blob the range
// introduced by editing a file still carries the secrets that file had before. A secret in a blob
// is old when the range's base (the commits just outside it) had it in the file at one of the
// blob's introducing paths, or when a predecessor version (what an introducing commit's parent had
// at that path) holds it and is itself old or from before the range. Following predecessors keeps
// this right across chains of edits, renames and merges inside the range. A finding is kept when
// at least one occurrence is new (commit messages of the range are always new); its old
// occurrences are dropped. Limit: only the first FindingSet::max_occurrences occurrences are
// looked at.
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
  // True when `secret` at `occ` is not old (see above).
  bool IsNew(const Occurrence& occ, std::string_view secret);

 private:
  struct RangeBlob {
    std::vector<std::string> paths;  // introducing paths
    std::vector<git_oid> predecessors;
  };
  const std::string* Content(const git_oid& id);
  bool IsOld(const git_oid& blob, std::string_view secret, int depth);

  LibGit2Guard libgit2_;
  std::string repo_path_;
  RepoPtr repo_;  // opened lazily, on the thread that runs Apply
  absl::flat_hash_map<std::string, std::vector<git_oid>> base_;  // path -> blobs there in the base
  absl::flat_hash_map<git_oid, RangeBlob, OidHash, OidEq> range_blobs_;
  absl::flat_hash_map<std::string, bool> old_;  // memo: blob id + secret -> old
  absl::flat_hash_map<git_oid, std::unique_ptr<std::string>, OidHash, OidEq> contents_;
};

}  // namespace keysweep::git
