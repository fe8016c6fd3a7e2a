#include "engine/sources/git/git_history_source.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/sources/git/commit_parser.h"
#include "engine/sources/git/pack_order.h"

namespace keysweep::git {

bool LooksBinary(std::string_view data) {
  return std::memchr(data.data(), '\0', std::min<size_t>(data.size(), 8000)) != nullptr;
}

namespace {

// Blob indices in the order to read them: packed blobs by pack and descending offset (deltas
// before their bases, which keeps the bases libgit2 caches hot), then the rest as discovered.
std::vector<uint32_t> ReadOrder(const PackOrder& packs, const HistoryIndex& index) {
  struct Key {
    uint32_t pack;
    uint64_t offset;
    uint32_t blob;
  };
  std::vector<Key> keys;
  keys.reserve(index.blobs().size());
  std::vector<uint32_t> loose;
  for (uint32_t i = 0; i < index.blobs().size(); ++i) {
    Key k{0, 0, i};
    if (packs.Find(index.blobs()[i].oid, &k.pack, &k.offset)) keys.push_back(k); else loose.push_back(i);
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.pack != b.pack ? a.pack < b.pack : a.offset > b.offset;
  });
  std::vector<uint32_t> order;
  order.reserve(index.blobs().size());
  for (const Key& k : keys) order.push_back(k.blob);
  order.insert(order.end(), loose.begin(), loose.end());
  return order;
}

// The annotated tags to read: all of them, or in a range scan those on the range's commits.
std::vector<TagRef> TagsToScan(git_repository* repo, const GitSourceOptions& options,
                               const HistoryIndex& index, ScanStats* stats) {
  std::vector<TagRef> tags = ListAnnotatedTags(repo, index.tag_objects(), stats);
  if (options.history.range.empty()) return tags;
  absl::flat_hash_set<git_oid, OidHash, OidEq> commits;
  for (const HistoryIndex::Commit& c : index.commits()) commits.insert(c.oid);
  std::erase_if(tags, [&](const TagRef& t) {
    return t.target_type != GIT_OBJECT_COMMIT || !commits.contains(t.target);
  });
  return tags;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GitHistorySource>> GitHistorySource::Create(
    const GitSourceOptions& options, ScanStats* stats) {
  LibGit2Guard libgit2;
  auto repo = OpenRepository(options.repo_path);
  if (!repo.ok()) return repo.status();
  auto packs = std::make_shared<const PackOrder>(PackOrder::Load(repo->get()));
  auto index = HistoryIndex::Build(repo->get(), options.history, stats, packs);
  if (!index.ok()) return index.status();
  if (options.history.range.empty() && index->commits().empty() && index->blobs().empty()) {
    // Not an error (a fresh `git init` is a normal place to run), but worth saying.
    stats->AddSkip("empty repository", options.repo_path);
    if (!options.quiet) {
      std::fprintf(stderr, "keysweep git: %s has no commits reachable from any ref: nothing to scan\n",
                   options.repo_path.c_str());
    }
  }
  std::unique_ptr<GitHistorySource> src(
      new GitHistorySource(options, stats, *std::move(repo), *std::move(index)));
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, src->repo_.get()) != 0) {
    return absl::DataLossError("cannot open the object database of " + options.repo_path + ": " +
                               LastGitError());
  }
  src->odb_.reset(odb);
  src->order_ = ReadOrder(*packs, src->index_);
  if (options.scan_messages) src->tags_ = TagsToScan(src->repo_.get(), options, src->index_, stats);
  src->message_reader_ = std::make_unique<PackReader>(packs, 8u << 20);
  std::vector<git_oid> ids;
  ids.reserve(src->order_.size());
  for (uint32_t i : src->order_) ids.push_back(src->index_.blobs()[i].oid);
  auto prefetcher = BlobPrefetcher::Start(options.repo_path, odb, packs, std::move(ids),
                                          options.reader_threads, options.prefetch_window,
                                          options.max_file_size);
  if (!prefetcher.ok()) return prefetcher.status();
  src->prefetcher_ = *std::move(prefetcher);
  return src;
}

GitHistorySource::GitHistorySource(GitSourceOptions options, ScanStats* stats, RepoPtr repo,
                                   HistoryIndex index)
    : options_(std::move(options)), stats_(stats), repo_(std::move(repo)), index_(std::move(index)),
      chunker_(options_.chunk_size) {}

GitHistorySource::~GitHistorySource() {
  prefetcher_.reset();  // joins its threads before the handles they use go away
}

std::string GitHistorySource::Describe(size_t i) const {
  const HistoryIndex::Blob& b = index_.blobs()[i];
  std::string s = "blob " + OidHex(b.oid);
  if (!b.intros.empty()) {
    GitIntroduction g = index_.IntroductionOf(b.intros.front());
    absl::StrAppend(&s, " (", g.path, " in commit ", g.commit, ")");
  } else {
    absl::StrAppend(&s, " (unreachable)");
  }
  return s;
}

ProvenancePtr GitHistorySource::BlobProvenance(size_t i) const {
  const HistoryIndex::Blob& b = index_.blobs()[i];
  auto p = std::make_shared<Provenance>();
  p->kind = Provenance::Kind::kGitBlob;
  p->path = options_.repo_path;
  p->blob_id = OidHex(b.oid);
  p->introductions.reserve(b.intros.size());
  for (const HistoryIndex::Intro& in : b.intros) p->introductions.push_back(index_.IntroductionOf(in));
  if (!p->introductions.empty()) p->git_path = p->introductions.front().path;
  return p;
}

bool GitHistorySource::StartBlob(size_t k, Chunk* chunk) {
  BlobRead r = prefetcher_->Take(k);
  const size_t i = order_[k];
  switch (r.status) {
    case BlobRead::Status::kTooLarge:
      stats_->AddSkip("too large", absl::StrCat(Describe(i), ": ", r.size, " bytes"));
      return false;
    case BlobRead::Status::kMissing:
      stats_->AddError("missing object", absl::StrCat(Describe(i), " cannot be read: ", r.error));
      return false;
    case BlobRead::Status::kCorrupt:
      stats_->AddError("corrupt object", absl::StrCat(Describe(i), " cannot be read: ", r.error));
      return false;
    case BlobRead::Status::kOk:
      break;
  }
  if (!options_.include_binary && LooksBinary(r.data)) {
    stats_->AddSkip("binary", Describe(i));
    return false;
  }
  stats_->Count("blobs scanned");
  stats_->AddScanned(1, r.data.size());
  ProvenancePtr prov = BlobProvenance(i);
  if (r.data.size() <= options_.chunk_size) {
    SetWholeObject(chunk, std::move(r.data), std::move(prov));
    return true;
  }
  // A large blob: overlapping chunks, so memory per token stays at chunk_size.
  chunker_.Begin(std::move(prov));
  large_ = std::move(r.data);
  large_fed_ = 0;
  chunking_ = true;
  return NextLargeChunk(chunk);
}

bool GitHistorySource::NextLargeChunk(Chunk* chunk) {
  // Fed a piece at a time: the chunker's buffer then stays near two chunks, and handing the whole
  // blob over at once would make it shift the remaining bytes after every chunk.
  for (;;) {
    if (chunker_.Pop(chunk)) return true;
    if (large_fed_ >= large_.size()) break;
    const size_t n = std::min(options_.chunk_size, large_.size() - large_fed_);
    chunker_.Feed(std::string_view(large_).substr(large_fed_, n));
    large_fed_ += n;
    if (large_fed_ == large_.size()) chunker_.Finish();
  }
  chunking_ = false;
  large_.clear();
  large_.shrink_to_fit();
  return false;
}

bool GitHistorySource::NextMessage(Chunk* chunk) {
  const HistoryIndex::Commit& c = index_.commits()[next_commit_];
  const uint32_t commit_idx = static_cast<uint32_t>(next_commit_++);
  std::string message, raw, error;
  git_object_t type = GIT_OBJECT_INVALID;
  ParsedCommit parsed;
  if (message_reader_ != nullptr &&
      message_reader_->Read(c.oid, &type, &raw, &error) == PackReader::Result::kOk &&
      type == GIT_OBJECT_COMMIT && ParseCommit(raw, &parsed)) {
    message.assign(parsed.message);
  } else {
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, repo_.get(), &c.oid) != 0) return false;  // the walk said so
    CommitPtr commit(raw_commit);
    const char* msg = git_commit_message_raw(commit.get());
    if (msg != nullptr) message.assign(msg);
  }
  if (message.empty()) return false;
  auto p = std::make_shared<Provenance>();
  p->kind = Provenance::Kind::kGitCommitMessage;
  p->path = options_.repo_path;
  p->introductions.push_back(index_.CommitIntroduction(commit_idx));
  stats_->Count("commit messages scanned");
  stats_->AddScanned(1, message.size());
  SetWholeObject(chunk, std::move(message), std::move(p));
  return true;
}

bool GitHistorySource::NextTagMessage(Chunk* chunk) {
  const TagRef& ref = tags_[next_tag_++];
  std::string message;
  auto p = std::make_shared<Provenance>();
  if (absl::Status s = ReadAnnotatedTag(repo_.get(), ref, &message, &p->tag); !s.ok()) {
    stats_->AddError("unreadable tag", absl::StrCat(DescribeTag(ref), " cannot be read: ", s.message()));
    return false;
  }
  if (message.empty()) return false;
  if (message.size() > options_.max_file_size) {
    stats_->AddSkip("too large", absl::StrCat(DescribeTag(ref), " message: ", message.size(), " bytes"));
    return false;
  }
  p->kind = Provenance::Kind::kGitTagMessage;
  p->path = options_.repo_path;
  stats_->Count("tag messages scanned");
  stats_->AddScanned(1, message.size());
  SetWholeObject(chunk, std::move(message), std::move(p));
  return true;
}

bool GitHistorySource::Next(Chunk* chunk) {
  for (;;) {
    if (chunking_ && NextLargeChunk(chunk)) return true;
    if (next_blob_ < order_.size()) {
      if (StartBlob(next_blob_++, chunk)) return true;
      continue;
    }
    if (options_.scan_messages && next_commit_ < index_.commits().size()) {
      if (NextMessage(chunk)) return true;
      continue;
    }
    if (next_tag_ < tags_.size()) {  // listed only when scan_messages is set
      if (NextTagMessage(chunk)) return true;
      continue;
    }
    return false;
  }
}

}  // namespace keysweep::git
