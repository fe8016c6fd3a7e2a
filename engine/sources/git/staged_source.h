// StagedSource: the pre-commit view. Diffs the index against HEAD's tree (against the empty tree in
// a repository with no commits yet), emits each added or modified staged blob once (kind
// kGitStaged, git_path = the staged path) and records which lines the index adds, so the caller
// keeps only findings on added lines (StagedLines::Keep as ScanHooks::keep_occurrence).
//
// Thread-safety: Next() from one thread at a time; the StagedLines it returns is immutable once
// Create() returns and safe to read from any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/chunk.h"
#include "engine/findings.h"
#include "engine/scan_stats.h"
#include "engine/sources/git/git_handles.h"

namespace keysweep::git {

// Added line numbers (1-based, sorted) per staged path.
class StagedLines {
 public:
  void Add(const std::string& path, uint64_t line) { lines_[path].push_back(line); }
  bool Contains(const std::string& path, uint64_t line) const;
  // keep_occurrence for --staged: staged occurrences on added lines; everything else untouched.
  bool Keep(const Occurrence& occ) const;
  size_t paths() const { return lines_.size(); }

 private:
  absl::flat_hash_map<std::string, std::vector<uint64_t>> lines_;
};

struct StagedOptions {
  std::string repo_path = ".";
  uint64_t max_file_size = 100ull << 20;
  bool include_binary = false;
};

class StagedSource : public ChunkSource {
 public:
  static absl::StatusOr<std::unique_ptr<StagedSource>> Create(const StagedOptions& options,
                                                              ScanStats* stats);
  bool Next(Chunk* chunk) override;
  std::shared_ptr<const StagedLines> lines() const { return lines_; }

 private:
  struct Entry {
    git_oid oid;
    std::string path;
  };
  StagedSource(StagedOptions options, ScanStats* stats, RepoPtr repo, OdbPtr odb)
      : options_(std::move(options)), stats_(stats), repo_(std::move(repo)), odb_(std::move(odb)) {}

  LibGit2Guard libgit2_;
  StagedOptions options_;
  ScanStats* stats_;
  RepoPtr repo_;
  OdbPtr odb_;
  std::vector<Entry> entries_;
  size_t next_ = 0;
  std::shared_ptr<StagedLines> lines_ = std::make_shared<StagedLines>();
};

}  // namespace keysweep::git
