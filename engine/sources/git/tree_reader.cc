#include "engine/sources/git/tree_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace keysweep::git {

int CompareEntries(const TreeEntry& a, const TreeEntry& b) {
  const size_t n = std::min(a.name.size(), b.name.size());
  if (const int c = std::memcmp(a.name.data(), b.name.data(), n); c != 0) return c;
  const unsigned char ca = a.name.size() > n ? static_cast<unsigned char>(a.name[n]) : a.is_tree ? '/' : 0;
  const unsigned char cb = b.name.size() > n ? static_cast<unsigned char>(b.name[n]) : b.is_tree ? '/' : 0;
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

bool ParseTree(std::string raw, ParsedTree* out) {
  out->raw = std::move(raw);
  out->entries.clear();
  out->entries.reserve(out->raw.size() / 32 + 1);  // an entry takes 28 bytes plus its name
  const char* p = out->raw.data();
  const char* const end = p + out->raw.size();
  while (p < end) {
    uint32_t mode = 0;
    const char* sp = static_cast<const char*>(std::memchr(p, ' ', static_cast<size_t>(end - p)));
    if (sp == nullptr || sp == p) return false;
    for (const char* d = p; d < sp; ++d) {
      if (*d < '0' || *d > '7') return false;
      mode = mode * 8 + static_cast<uint32_t>(*d - '0');
    }
    const char* name = sp + 1;
    const char* nul = static_cast<const char*>(std::memchr(name, '\0', static_cast<size_t>(end - name)));
    if (nul == nullptr || nul == name || end - nul - 1 < GIT_OID_RAWSZ) return false;
    TreeEntry e;
    e.name = std::string_view(name, static_cast<size_t>(nul - name));
    git_oid_fromraw(&e.id, reinterpret_cast<const unsigned char*>(nul + 1));
    const uint32_t kind = mode & 0170000;
    e.is_tree = kind == 0040000;
    e.is_blob = kind == 0100000 || kind == 0120000;
    out->entries.push_back(e);
    p = nul + 1 + GIT_OID_RAWSZ;
  }
  return true;
}

TreeReader::TreeReader(git_repository* repo, std::shared_ptr<const PackOrder> packs,
                       size_t cache_trees)
    : repo_(repo), packs_(std::move(packs), 24u << 20), cache_limit_(cache_trees) {}

absl::StatusOr<std::shared_ptr<const ParsedTree>> TreeReader::Get(const git_oid& id) {
  if (auto it = cache_.find(id); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  std::string raw, error;
  git_object_t type = GIT_OBJECT_INVALID;
  const PackReader::Result r = packs_.Read(id, &type, &raw, &error);
  if (r == PackReader::Result::kCorrupt || r == PackReader::Result::kTooLarge) {
    return absl::DataLossError(error);
  }
  if (r == PackReader::Result::kNotInPack) {
    if (odb_ == nullptr) {
      git_odb* odb = nullptr;
      if (git_repository_odb(&odb, repo_) != 0) return absl::DataLossError(LastGitError());
      odb_.reset(odb);
    }
    git_odb_object* obj = nullptr;
    if (git_odb_read(&obj, odb_.get(), &id) != 0) return absl::NotFoundError(LastGitError());
    OdbObjectPtr owned(obj);
    type = git_odb_object_type(obj);
    raw.assign(static_cast<const char*>(git_odb_object_data(obj)), git_odb_object_size(obj));
  }
  if (type != GIT_OBJECT_TREE) {
    return absl::DataLossError(absl::StrCat("expected a tree, found a ", git_object_type2string(type)));
  }
  auto tree = std::make_shared<ParsedTree>();
  if (!ParseTree(std::move(raw), tree.get())) return absl::DataLossError("malformed tree");
  lru_.emplace_front(id, tree);
  cache_.emplace(id, lru_.begin());
  if (cache_.size() > cache_limit_) {
    cache_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return std::shared_ptr<const ParsedTree>(std::move(tree));
}

}  // namespace keysweep::git
