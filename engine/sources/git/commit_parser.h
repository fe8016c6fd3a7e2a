// Parses the headers of a raw commit object: what the history walk needs (tree, parents, author,
// commit time) and where the message starts. Used with PackReader so enumerating a long history
// does not go through libgit2's commit objects (about a tenth of the scan's CPU when it did).
// Stateless; safe to call from any thread.
#pragma once
#include <git2.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keysweep::git {

struct ParsedCommit {
  git_oid tree;
  std::vector<git_oid> parents;
  std::string author_name, author_email;
  int64_t time = 0;          // committer time, as git_commit_time reports it
  std::string_view message;  // into the raw object
};

// False when the object is not a well-formed commit (the caller then asks libgit2).
bool ParseCommit(std::string_view raw, ParsedCommit* out);

}  // namespace keysweep::git
