// TreeReader: trees for the history walk, parsed straight from the raw object (no per-entry
// allocation) and kept in a small LRU cache, since the walk reads most trees twice: as a commit's
// tree and again as its child's parent tree. Objects come from PackReader, or from libgit2's
// object database when they are not packed.
//
// Thread-safety: one TreeReader per thread (with its own git_repository).
#pragma once
#include <git2.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/sources/git/git_handles.h"
#include "engine/sources/git/pack_reader.h"

namespace keysweep::git {

struct TreeEntry {
  std::string_view name;
  git_oid id;
  bool is_tree = false;
  bool is_blob = false;  // regular files and symlinks; neither for submodule commits
};

// Entries in git's tree order, in which a tree named "a" sorts as "a/".
struct ParsedTree {
  std::string raw;
  std::vector<TreeEntry> entries;
};

// <0, 0, >0 like memcmp, in git's tree order (name and kind must both match for 0).
int CompareEntries(const TreeEntry& a, const TreeEntry& b);

// Parses a raw tree object; false when it is malformed.
bool ParseTree(std::string raw, ParsedTree* out);

class TreeReader {
 public:
  TreeReader(git_repository* repo, std::shared_ptr<const PackOrder> packs, size_t cache_trees = 4096);
  absl::StatusOr<std::shared_ptr<const ParsedTree>> Get(const git_oid& id);

 private:
  git_repository* repo_;
  PackReader packs_;
  OdbPtr odb_;
  size_t cache_limit_;
  std::list<std::pair<git_oid, std::shared_ptr<const ParsedTree>>> lru_;
  absl::flat_hash_map<git_oid, decltype(lru_)::iterator, OidHash, OidEq> cache_;
};

}  // namespace keysweep::git
