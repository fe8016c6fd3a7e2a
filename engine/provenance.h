// Where scanned bytes came from. One Provenance is shared (by shared_ptr) by every chunk of an object
// and by every occurrence found in it. Immutable once a source hands it out: safe to share across threads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keysweep {

// One commit that introduced a blob at a path (the commit's tree has the blob at `path`, no parent's
// tree has it there).
struct GitIntroduction {
  std::string commit;        // hex commit id
  std::string path;          // path of the blob in that commit
  std::string author_name;
  std::string author_email;
  int64_t time = 0;          // commit time, seconds since the epoch (UTC)
};

// An annotated tag object, whose message is scanned.
struct GitTag {
  std::string name;          // the ref's name without "refs/tags/" (the tag's own name when no ref
                             // leads to it directly: a tag of a tag, or a deleted tag)
  std::string id;            // hex tag object id
  std::string tagger_name;
  std::string tagger_email;
  int64_t time = 0;          // tagger time, seconds since the epoch (UTC); 0: the tag has no tagger
  std::string target;        // hex id of what it tags, peeled through tags of tags
  std::string target_type;   // "commit" (usually), "tree" or "blob"
};

struct Provenance {
  enum class Kind { kFile, kStdin, kGitBlob, kGitCommitMessage, kGitTagMessage, kGitStaged, kWarcRecord };
  Kind kind = Kind::kFile;

  // kFile: the file path. kGit*: the repository path. kWarcRecord: the WARC file path.
  std::string path;

  // Git sources.
  std::string blob_id;                       // kGitBlob / kGitStaged: hex blob id
  std::string git_path;                      // kGitStaged: staged path; kGitBlob: first introduction's path
  std::vector<GitIntroduction> introductions; // kGitBlob: every (commit, path) that introduced it;
                                              // kGitCommitMessage: the commit itself (path empty)
  GitTag tag;                                // kGitTagMessage

  // WARC sources.
  uint64_t record_offset = 0;                // byte offset of the record in the (compressed) file
  std::string record_id;                     // WARC-Record-ID
  std::string target_uri;                    // WARC-Target-URI
  std::string warc_date;                     // WARC-Date
  std::string record_type;                   // WARC-Type

  // Display name of the place: the file path, the git path (or blob id), "commit <id> message",
  // "tag <name> message", "<warc>@<offset> <uri>".
  std::string DisplayName() const;
};

using ProvenancePtr = std::shared_ptr<const Provenance>;

}  // namespace keysweep
