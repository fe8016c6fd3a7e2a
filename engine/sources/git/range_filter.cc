#include "engine/sources/git/range_filter.h"

#include <utility>

#include "engine/sources/git/blob_prefetcher.h"

namespace keysweep::git {

RangeFilter::RangeFilter(std::string repo_path, const HistoryIndex& index)
    : repo_path_(std::move(repo_path)), base_(index.boundary_blobs()) {
  for (const HistoryIndex::Blob& b : index.blobs()) {
    RangeBlob& r = range_blobs_[b.oid];
    for (const HistoryIndex::Intro& in : b.intros) r.paths.push_back(index.paths()[in.path]);
    r.predecessors = b.predecessors;
  }
}

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

bool RangeFilter::IsOld(const git_oid& blob, std::string_view secret, int depth) {
  auto it = range_blobs_.find(blob);
  if (it == range_blobs_.end()) return true;  // content from before the range
  std::string key(reinterpret_cast<const char*>(blob.id), GIT_OID_RAWSZ);
  key.append(secret);
  if (auto m = old_.find(key); m != old_.end()) return m->second;
  old_[key] = false;  // guards against cycles while this blob is being decided
  bool old = false;
  for (const std::string& path : it->second.paths) {
    auto b = base_.find(path);
    if (b == base_.end()) continue;  // a new file at that path
    for (const git_oid& base_blob : b->second) {
      const std::string* content = Content(base_blob);
      if (content != nullptr && content->find(secret) != std::string::npos) old = true;
    }
  }
  // Long histories inside one range stay cheap: the memo visits each version once per secret.
  for (size_t i = 0; !old && depth < 100000 && i < it->second.predecessors.size(); ++i) {
    const git_oid& pred = it->second.predecessors[i];
    const std::string* content = Content(pred);
    if (content != nullptr && content->find(secret) != std::string::npos) {
      old = IsOld(pred, secret, depth + 1);
    }
  }
  old_[key] = old;
  return old;
}

bool RangeFilter::IsNew(const Occurrence& occ, std::string_view secret) {
  if (occ.prov == nullptr || occ.prov->kind != Provenance::Kind::kGitBlob) return true;
  git_oid id;
  if (git_oid_fromstr(&id, occ.prov->blob_id.c_str()) != 0) return true;
  return !IsOld(id, secret, 0);
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
