// RAII wrappers for the libgit2 handles the git sources use, plus small helpers around git_oid.
// libgit2 objects are not thread-safe: every handle here belongs to one thread at a time.
#pragma once
#include <git2.h>

#include <cstring>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace keysweep::git {

// Keeps libgit2 initialized while alive (git_libgit2_init is reference counted). Also turns off
// libgit2's hash verification on read, process-wide (see below).
class LibGit2Guard {
 public:
  LibGit2Guard() {
    git_libgit2_init();
    // Re-hashing every object read (SHA-1 with collision detection) would cost more than inflating
    // it; git itself does not verify on read either. Corruption still shows as inflate/delta errors.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  }
  ~LibGit2Guard() { git_libgit2_shutdown(); }
  LibGit2Guard(const LibGit2Guard&) = delete;
  LibGit2Guard& operator=(const LibGit2Guard&) = delete;
};

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using OdbObjectPtr = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using TagPtr = std::unique_ptr<git_tag, Deleter<git_tag, git_tag_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using RefIterPtr = std::unique_ptr<git_reference_iterator,
                                   Deleter<git_reference_iterator, git_reference_iterator_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using IndexPtr = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using DiffPtr = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using PatchPtr = std::unique_ptr<git_patch, Deleter<git_patch, git_patch_free>>;

// The message of libgit2's last error on this thread (or `fallback`).
inline std::string LastGitError(const char* fallback = "unknown libgit2 error") {
  const git_error* e = git_error_last();
  return (e != nullptr && e->message != nullptr) ? std::string(e->message) : std::string(fallback);
}

inline std::string OidHex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

struct OidHash {
  size_t operator()(const git_oid& o) const {
    size_t h;  // object ids are uniformly distributed: their first bytes are a good hash
    std::memcpy(&h, o.id, sizeof h);
    return h;
  }
};
struct OidEq {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b) != 0; }
};

// Opens a repository (work tree, .git folder, bare repository or mirror) without searching parents.
inline absl::StatusOr<RepoPtr> OpenRepository(const std::string& path) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return absl::NotFoundError("not a git repository: " + path + " (" + LastGitError() + ")");
  }
  return RepoPtr(raw);
}

}  // namespace keysweep::git
