#include "engine/sources/git/range_filter.h"

#include <utility>

#include "engine/sources/git/blob_prefetcher.h"

namespace keysweep::git {

RangeFilter::RangeFilter(std::string repo_path, const HistoryIndex& index)
    : repo_path_(std::move(repo_path)), base_(index.boundary_blobs()) {}

const std::string* RangeFilter::Content(const git_oid& id) {
  auto it = contents_.find(id);
  if (it != contents_.end()) return it->second.get();
  if (repo_ == nullptr) {
    auto repo = OpenRepository(repo_path_);
    if (!repo.ok()) return nullptr;
    repo_ = *std::move(repo);
  }
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, repo_.get()) != 0) return nullptr;
  OdbPtr odb(raw);
  BlobRead r = ReadBlob(odb.get(), nullptr, id, ~uint64_t{0});
  auto content = std::make_unique<std::string>(std::move(r.data));  // unreadable: empty
  const std::string* p = content.get();
  contents_.emplace(id, std::move(content));
  return p;
}

bool RangeFilter::IsNew(const Occurrence& occ, std::string_view secret) {
  if (occ.prov == nullptr || occ.prov->kind != Provenance::Kind::kGitBlob) return true;
  for (const GitIntroduction& g : occ.prov->introductions) {
    auto it = base_.find(g.path);
    if (it == base_.end()) continue;  // a new file
    for (const git_oid& old : it->second) {
      const std::string* content = Content(old);
      if (content != nullptr && content->find(secret) != std::string::npos) return false;
    }
  }
  return true;
}

void RangeFilter::Apply(FindingSet* findings) {
  findings->EraseIf([&](Finding& f) {
    std::vector<Occurrence> kept;
    for (Occurrence& o : f.occurrences) {
      if (IsNew(o, f.secret)) kept.push_back(std::move(o));
    }
    f.occurrence_count -= f.occurrences.size() - kept.size();
    f.occurrences = std::move(kept);
    return f.occurrences.empty();
  });
}

}  // namespace keysweep::git
