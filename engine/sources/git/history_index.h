// HistoryIndex: one pass over a repository's commit graph that finds, for every distinct blob, each
// (commit, path) that introduced it. A commit introduces a blob at a path when its tree has the blob
// there and no parent's tree does. Trees are compared with their parents' trees entry by entry and a
// subtree whose id equals the parent's is skipped whole, so the cost follows what changed, not the
// size of every tree times the number of commits. No blob content is read here.
//
// Thread-safety: built on one thread; immutable afterwards and safe for concurrent reads.
#pragma once
#include <git2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "engine/provenance.h"
#include "engine/scan_stats.h"
#include "engine/sources/git/git_handles.h"
#include "engine/sources/git/pack_order.h"

namespace keysweep::git {

struct HistoryOptions {
  // Also index objects no ref reaches: dangling commits are walked like ref tips, and blobs that no
  // commit reaches are indexed with no introduction.
  bool all_objects = false;
  // "A..B": only commits reachable from B and not from A. Empty: every ref (branches, tags,
  // remotes, stash, HEAD).
  std::string range;
  // Threads (each with its own git_repository) comparing trees; 0: one per core.
  int threads = 0;
};

class HistoryIndex {
 public:
  struct Commit {
    git_oid oid;
    uint32_t person = 0;  // index into people()
    int64_t time = 0;
  };
  struct Person {
    std::string name, email;
  };
  struct Intro {
    uint32_t commit = 0;  // index into commits()
    uint32_t path = 0;    // index into paths()
  };
  struct Blob {
    git_oid oid;
    std::vector<Intro> intros;  // sorted by commit time, earliest first; empty when no commit
                                // has it (unreachable with --all-objects, or tagged directly)
    // Range mode: the versions the introducing commits' parents had at the same paths.
    std::vector<git_oid> predecessors;
  };

  // Walks `repo`. Problems with single objects (missing, corrupt) are recorded in *stats and the
  // walk goes on; an error is returned only when nothing can be walked (bad range, unreadable refs).
  // `packs` (optional) is the repository's pack index, shared with the caller's blob reader.
  static absl::StatusOr<HistoryIndex> Build(git_repository* repo, const HistoryOptions& options,
                                            ScanStats* stats,
                                            std::shared_ptr<const PackOrder> packs = nullptr);

  // Blobs in discovery order (newest history first, close to pack order).
  const std::vector<Blob>& blobs() const { return blobs_; }
  const std::vector<Commit>& commits() const { return commits_; }
  const std::vector<Person>& people() const { return people_; }
  const std::vector<std::string>& paths() const { return paths_; }
  bool shallow() const { return shallow_; }
  // With all_objects: every tag object in the object database, reachable or not (so the messages
  // of deleted annotated tags are scanned too).
  const std::vector<git_oid>& tag_objects() const { return tag_objects_; }
  // Range mode: the blobs at each path in the commits just outside the range (the range's base),
  // plus base content the range moved or copied to a path.
  const absl::flat_hash_map<std::string, std::vector<git_oid>>& boundary_blobs() const {
    return boundary_blobs_;
  }
  // Index into blobs() of a blob id, or -1.
  int64_t FindBlob(const git_oid& oid) const;

  // One introduction as a provenance record (commit id, path, author, email, commit time).
  GitIntroduction IntroductionOf(const Intro& intro) const;
  GitIntroduction CommitIntroduction(uint32_t commit) const;

 private:
  class Walker;
  std::vector<Blob> blobs_;
  std::vector<Commit> commits_;
  std::vector<Person> people_;
  std::vector<std::string> paths_;
  absl::flat_hash_map<git_oid, uint32_t, OidHash, OidEq> blob_index_;
  absl::flat_hash_map<std::string, std::vector<git_oid>> boundary_blobs_;
  std::vector<git_oid> tag_objects_;
  bool shallow_ = false;
};

}  // namespace keysweep::git
