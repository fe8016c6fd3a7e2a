#include "engine/strings.h"
#include "engine/provenance.h"

#include "absl/strings/str_cat.h"

namespace keysweep {

std::string Provenance::DisplayName() const {
  switch (kind) {
    case Kind::kFile: return path;
    case Kind::kStdin: return "<stdin>";
    case Kind::kGitBlob:
    case Kind::kGitStaged:
      return Cat(git_path.empty() ? blob_id : git_path);
    case Kind::kGitCommitMessage:
      return Cat("commit ", introductions.empty() ? "" : introductions.front().commit.substr(0, 12),
                          " message");
    case Kind::kGitTagMessage:
      return Cat("tag ", tag.name, " message");
    case Kind::kWarcRecord:
      return Cat(path, "@", record_offset, target_uri.empty() ? "" : " ", target_uri);
  }
  return path;
}

}  // namespace keysweep
