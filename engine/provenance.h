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

struct Provenance {
  enum class Kind { kFile, kStdin, kGitBlob, kGitCommitMessage, kGitStaged, kWarcRecord };
  Kind kind = Kind::kFile;

  // kFile: the file path. kGit*: the repository path. kWarcRecord: the WARC file path.
  std::string path;

  // Git sources.
  std::string blob_id;                       // kGitBlob / kGitStaged: hex blob id
  std::string git_path;                      // kGitStaged: staged path; kGitBlob: first introduction's path
  std::vector<GitIntroduction> introductions; // kGitBlob: every (commit, path) that introduced it;
                                              // kGitCommitMessage: the commit itself (path empty)

  // WARC sources.
  uint64_t record_offset = 0;                // byte offset of the record in the (compressed) file
  std::string record_id;                     // WARC-Record-ID
  std::string target_uri;                    // WARC-Target-URI
  std::string warc_date;                     // WARC-Date
  std::string record_type;                   // WARC-Type

  // Display name of the place: the file path, "<repo>:<path>@<blob>", "<warc>@<offset>".
  std::string DisplayName() const;
};

using ProvenancePtr = std::shared_ptr<const Provenance>;

}  // namespace keysweep
