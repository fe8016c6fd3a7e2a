#include "engine/sources/git/staged_source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/sources/git/blob_prefetcher.h"
#include "engine/sources/git/git_history_source.h"

namespace keysweep::git {

bool StagedLines::Contains(const std::string& path, uint64_t line) const {
  auto it = lines_.find(path);
  return it != lines_.end() && std::binary_search(it->second.begin(), it->second.end(), line);
}

bool StagedLines::Keep(const Occurrence& occ) const {
  if (occ.prov == nullptr || occ.prov->kind != Provenance::Kind::kGitStaged) return true;
  return Contains(occ.prov->git_path, occ.line);
}

namespace {

int CollectLine(const git_diff_delta* delta, const git_diff_hunk*, const git_diff_line* line,
                void* payload) {
  if (line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0) {
    static_cast<StagedLines*>(payload)->Add(delta->new_file.path,
                                            static_cast<uint64_t>(line->new_lineno));
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StagedSource>> StagedSource::Create(const StagedOptions& options,
                                                                   ScanStats* stats) {
  LibGit2Guard libgit2;
  auto repo = OpenRepository(options.repo_path);
  if (!repo.ok()) return repo.status();
  if (git_repository_is_bare(repo->get())) {
    return absl::FailedPreconditionError(options.repo_path +
                                         " is a bare repository: it has no index to scan with --staged");
  }
  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo->get()) != 0) {
    return absl::DataLossError("cannot read the index of " + options.repo_path + ": " + LastGitError());
  }
  IndexPtr index(raw_index);
  // HEAD's tree, or none in a repository without commits (everything staged is then added).
  TreePtr head_tree;
  git_object* head = nullptr;
  if (git_revparse_single(&head, repo->get(), "HEAD^{tree}") == 0) {
    head_tree.reset(reinterpret_cast<git_tree*>(head));
  } else if (git_repository_head_unborn(repo->get()) != 1) {
    return absl::DataLossError("cannot read HEAD's tree in " + options.repo_path + ": " + LastGitError());
  }
  git_diff_options diff_opts = GIT_DIFF_OPTIONS_INIT;
  diff_opts.context_lines = 0;
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_index(&raw_diff, repo->get(), head_tree.get(), index.get(), &diff_opts) != 0) {
    return absl::DataLossError("cannot diff the index against HEAD: " + LastGitError());
  }
  DiffPtr diff(raw_diff);
  // A pure rename adds no lines; without rename detection every line of a moved file would count.
  git_diff_find_options find_opts = GIT_DIFF_FIND_OPTIONS_INIT;
  find_opts.flags = GIT_DIFF_FIND_RENAMES;
  git_diff_find_similar(diff.get(), &find_opts);

  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo->get()) != 0) {
    return absl::DataLossError("cannot open the object database: " + LastGitError());
  }
  std::unique_ptr<StagedSource> src(
      new StagedSource(options, stats, *std::move(repo), OdbPtr(raw_odb)));
  for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    switch (d->status) {
      case GIT_DELTA_ADDED:
      case GIT_DELTA_MODIFIED:
      case GIT_DELTA_RENAMED:
      case GIT_DELTA_COPIED:
      case GIT_DELTA_TYPECHANGE:
        break;
      default:
        continue;
    }
    if ((d->new_file.mode & 0170000) == 0160000) continue;  // a submodule commit, not content
    src->entries_.push_back({d->new_file.id, d->new_file.path});
  }
  if (git_diff_foreach(diff.get(), nullptr, nullptr, nullptr, CollectLine, src->lines_.get()) != 0) {
    return absl::DataLossError("cannot compute the staged line changes: " + LastGitError());
  }
  stats->Count("staged files", src->entries_.size());
  return src;
}

bool StagedSource::Next(Chunk* chunk) {
  while (next_ < entries_.size()) {
    const Entry& e = entries_[next_++];
    const std::string what = absl::StrCat("staged ", e.path, " (blob ", OidHex(e.oid), ")");
    BlobRead r = ReadBlob(odb_.get(), nullptr, e.oid, options_.max_file_size);
    if (r.status == BlobRead::Status::kTooLarge) {
      stats_->AddSkip("too large", absl::StrCat(what, ": ", r.size, " bytes"));
      continue;
    }
    if (r.status != BlobRead::Status::kOk) {
      stats_->AddError(r.status == BlobRead::Status::kMissing ? "missing object" : "corrupt object",
                       absl::StrCat(what, " cannot be read: ", r.error));
      continue;
    }
    if (!options_.include_binary && LooksBinary(r.data)) {
      stats_->AddSkip("binary", what);
      continue;
    }
    stats_->AddScanned(1, r.data.size());
    auto p = std::make_shared<Provenance>();
    p->kind = Provenance::Kind::kGitStaged;
    p->path = options_.repo_path;
    p->blob_id = OidHex(e.oid);
    p->git_path = e.path;
    SetWholeObject(chunk, std::move(r.data), std::move(p));
    return true;
  }
  return false;
}

}  // namespace keysweep::git
