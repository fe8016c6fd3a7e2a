// Annotated tags: the tag objects that refs under refs/tags/ lead to (tags of tags included), each
// once, and the reading of one tag's message and provenance. Lightweight tags are refs straight to a
// commit: they have no message and are not listed.
//
// Thread-safety: functions of a git_repository handle, which belongs to one thread at a time.
#pragma once
#include <git2.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/provenance.h"
#include "engine/scan_stats.h"

namespace keysweep::git {

struct TagRef {
  git_oid id;                                   // the tag object
  std::string name;                             // the ref's name without "refs/tags/"; empty: unknown
  git_oid target;                               // what it tags, peeled through tags of tags
  git_object_t target_type = GIT_OBJECT_INVALID;  // GIT_OBJECT_INVALID when the peel failed
};

// Every tag object that a ref under refs/tags/ leads to, following tags of tags, then those of
// `more` (tag objects no ref may reach), each once. Refs are taken in name order: a tag object that
// several refs lead to takes the first name, one reached only through another tag (or not at all)
// its own. A ref or object that cannot be read is reported in *stats and skipped.
std::vector<TagRef> ListAnnotatedTags(git_repository* repo, const std::vector<git_oid>& more,
                                      ScanStats* stats);

// Reads a listed tag object: its message, and the provenance fields (name, id, tagger, target).
// Fails when the object cannot be read or is not a well-formed tag.
absl::Status ReadAnnotatedTag(git_repository* repo, const TagRef& ref, std::string* message, GitTag* tag);

// "tag NAME (object ID)": how errors and skips name a tag.
std::string DescribeTag(const TagRef& ref);

}  // namespace keysweep::git
