#include "engine/sources/git/history_index.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/sources/git/commit_parser.h"
#include "engine/sources/git/pack_reader.h"
#include "engine/sources/git/tree_reader.h"

namespace keysweep::git {
namespace {

using OidSet = absl::flat_hash_set<git_oid, OidHash, OidEq>;

absl::StatusOr<TreePtr> LookupTree(git_repository* repo, const git_oid& id) {
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo, &id) != 0) {
    return absl::DataLossError(LastGitError());
  }
  return TreePtr(raw);
}

}  // namespace

// Does the walk; lives only inside Build(). Three steps: enumerate the commits (serial: reading a
// commit is cheap), compare each commit's tree with its parents' trees (the costly part: split into
// contiguous slices of the commit list, one thread and one git_repository per slice), then merge
// the slices' introductions into the index in commit order, so the result does not depend on the
// number of threads.
class HistoryIndex::Walker {
 public:
  Walker(git_repository* repo, const HistoryOptions& options, ScanStats* stats, HistoryIndex* index,
         std::shared_ptr<const PackOrder> packs)
      : repo_(repo), options_(options), stats_(stats), index_(index), packs_(std::move(packs)),
        commit_reader_(packs_, 8u << 20) {}

  absl::Status Run() {
    index_->shallow_ = git_repository_is_shallow(repo_) == 1;
    if (index_->shallow_) {
      stats_->AddError("shallow clone",
                       "shallow clone: history is cut; blobs at the cut are attributed to the "
                       "oldest commit present, and older history is not scanned");
    }
    if (!options_.range.empty()) {
      if (absl::Status s = EnumerateRange(); !s.ok()) return s;
    } else {
      if (absl::Status s = PushRefs(); !s.ok()) return s;
      Enumerate();
    }
    Process(0);
    if (options_.all_objects && options_.range.empty()) AddUnreachable();
    for (const git_oid& id : tagged_blobs_) {
      if (index_->blob_index_.contains(id)) continue;  // also in some commit: that provenance wins
      index_->blob_index_.emplace(id, index_->blobs_.size());
      index_->blobs_.push_back({id, {}, {}});
      stats_->Count("tagged blobs");
    }
    return absl::OkStatus();
  }

 private:
  // What the comparison step needs of one commit.
  struct Node {
    git_oid tree;
    std::vector<git_oid> parents;
    std::vector<git_oid> parent_trees;  // resolved before the comparison step
  };
  // One blob introduction found by a comparison slice.
  struct Record {
    git_oid blob;
    uint32_t commit;
    std::string path;
    std::vector<git_oid> predecessors;  // range mode: the parents' versions at the same path
  };

  // Pushes every ref's commit (branches, tags, remotes, notes, stash) and HEAD.
  absl::Status PushRefs() {
    git_reference_iterator* raw_iter = nullptr;
    if (git_reference_iterator_new(&raw_iter, repo_) != 0) {
      return absl::DataLossError("cannot list refs: " + LastGitError());
    }
    RefIterPtr iter(raw_iter);
    git_reference* raw_ref = nullptr;
    int rc;
    while ((rc = git_reference_next(&raw_ref, iter.get())) == 0) {
      ReferencePtr ref(raw_ref);
      git_object* obj = nullptr;
      if (git_reference_peel(&obj, ref.get(), GIT_OBJECT_ANY) != 0) {
        stats_->AddError("missing object", absl::StrCat("ref ", git_reference_name(ref.get()),
                                                        " points to an object that cannot be read: ",
                                                        LastGitError()));
        continue;
      }
      ObjectPtr owned(obj);
      switch (git_object_type(obj)) {
        case GIT_OBJECT_COMMIT:
          PushCommit(*git_object_id(obj));
          break;
        case GIT_OBJECT_BLOB:  // a tag of a file (git.git tags its maintainer's key this way)
          tagged_blobs_.push_back(*git_object_id(obj));
          break;
        default:  // a tag of a tree: no commit introduces anything there; rare enough to only count
          stats_->Count("refs to trees (not scanned)");
          break;
      }
    }
    if (rc != GIT_ITEROVER) {
      stats_->AddError("bad ref", "cannot read refs: " + LastGitError());
    }
    git_oid head;
    if (git_reference_name_to_id(&head, repo_, "HEAD") == 0) PushCommit(head);  // detached HEAD
    return absl::OkStatus();
  }

  void PushCommit(const git_oid& oid) {
    if (visited_.insert(oid).second) stack_.push_back(oid);
  }

  // Depth-first from the pushed tips, so a commit's parent usually comes right after it: the
  // comparison step then finds the parent's trees still in libgit2's cache.
  void Enumerate() {
    while (!stack_.empty()) {
      git_oid oid = stack_.back();
      stack_.pop_back();
      AddNode(oid, /*walk_parents=*/true);
    }
  }

  absl::Status EnumerateRange() {
    git_revwalk* raw = nullptr;
    if (git_revwalk_new(&raw, repo_) != 0) return absl::InternalError(LastGitError());
    RevwalkPtr walk(raw);
    if (git_revwalk_push_range(walk.get(), options_.range.c_str()) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad commit range '", options_.range, "': ", LastGitError()));
    }
    std::vector<git_oid> commits;
    git_oid oid;
    int rc;
    while ((rc = git_revwalk_next(&oid, walk.get())) == 0) commits.push_back(oid);
    if (rc != GIT_ITEROVER) {
      return absl::DataLossError(
          absl::StrCat("cannot walk range '", options_.range, "': ", LastGitError()));
    }
    for (const git_oid& c : commits) AddNode(c, /*walk_parents=*/false);
    return absl::OkStatus();
  }

  void AddNode(const git_oid& oid, bool walk_parents) {
    Node node;
    std::string raw, error;
    git_object_t type = GIT_OBJECT_INVALID;
    ParsedCommit parsed;
    const PackReader::Result r = commit_reader_.Read(oid, &type, &raw, &error);
    if (r == PackReader::Result::kCorrupt) {
      unreadable_.insert(oid);
      stats_->AddError("corrupt object", absl::StrCat("commit ", OidHex(oid), " cannot be read: ", error));
      return;
    }
    if (r == PackReader::Result::kOk && type == GIT_OBJECT_COMMIT && ParseCommit(raw, &parsed)) {
      AddCommit(oid, parsed.author_name, parsed.author_email, parsed.time);
      node.tree = parsed.tree;
      node.parents = std::move(parsed.parents);
    } else {  // loose, or something only libgit2 makes sense of
      git_commit* raw_commit = nullptr;
      if (git_commit_lookup(&raw_commit, repo_, &oid) != 0) {
        unreadable_.insert(oid);
        if (index_->shallow_ && walked_from_child_.contains(oid)) {
          stats_->Count("shallow cut commits");  // said once, in Run()
        } else {
          stats_->AddError("missing object",
                           absl::StrCat("commit ", OidHex(oid), " cannot be read: ", LastGitError()));
        }
        return;
      }
      CommitPtr commit(raw_commit);
      const git_signature* author = git_commit_author(commit.get());
      AddCommit(oid, author->name != nullptr ? author->name : "",
                author->email != nullptr ? author->email : "", git_commit_time(commit.get()));
      node.tree = *git_commit_tree_id(commit.get());
      for (unsigned i = 0, n = git_commit_parentcount(commit.get()); i < n; ++i) {
        node.parents.push_back(*git_commit_parent_id(commit.get(), i));
      }
    }
    stats_->Count("commits");
    node_index_.emplace(oid, static_cast<uint32_t>(nodes_.size()));
    if (walk_parents) {
      for (const git_oid& pid : node.parents) {
        PushCommit(pid);
        if (index_->shallow_) walked_from_child_.insert(pid);
      }
    }
    nodes_.push_back(std::move(node));
  }

  // Finds the parents' tree ids: from the enumerated commits, else (range boundary, cut history)
  // by reading the parent commit.
  void ResolveParents(size_t from) {
    for (size_t i = from; i < nodes_.size(); ++i) {
      Node& node = nodes_[i];
      for (const git_oid& pid : node.parents) {
        auto it = node_index_.find(pid);
        if (it != node_index_.end()) {
          node.parent_trees.push_back(nodes_[it->second].tree);
          continue;
        }
        if (unreadable_.contains(pid)) continue;  // reported already; no parent tree to compare
        git_commit* raw_parent = nullptr;
        if (git_commit_lookup(&raw_parent, repo_, &pid) != 0) {
          unreadable_.insert(pid);
          if (!index_->shallow_) {
            stats_->AddError("missing object",
                             absl::StrCat("commit ", OidHex(pid), " (parent of ",
                                          OidHex(index_->commits_[i].oid), ") cannot be read: ",
                                          LastGitError()));
          }
          continue;
        }
        CommitPtr parent(raw_parent);
        node.parent_trees.push_back(*git_commit_tree_id(parent.get()));
        if (!options_.range.empty()) CollectInherited(pid, *git_commit_tree_id(parent.get()));
      }
    }
  }

  // Every blob in the full tree of a commit outside the range (content the range inherited), and
  // by path, for RangeFilter to tell secrets the range added from ones it inherited.
  void CollectInherited(const git_oid& commit_id, const git_oid& tree_id) {
    if (!boundary_.insert(commit_id).second) return;
    std::vector<std::pair<git_oid, std::string>> todo = {{tree_id, ""}};
    while (!todo.empty()) {
      auto [id, prefix] = std::move(todo.back());
      todo.pop_back();
      // The same tree at the same place in another boundary commit adds nothing new.
      if (!seen_trees_.insert(prefix + '\0' + std::string(reinterpret_cast<const char*>(id.id), GIT_OID_RAWSZ)).second) {
        continue;
      }
      auto t = LookupTree(repo_, id);
      if (!t.ok()) continue;  // reported when the comparison reads it
      for (size_t i = 0, n = git_tree_entrycount(t->get()); i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(t->get(), i);
        std::string path = prefix + git_tree_entry_name(e);
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
          inherited_.insert(*git_tree_entry_id(e));
          index_->boundary_blobs_[path].push_back(*git_tree_entry_id(e));
        } else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
          todo.emplace_back(*git_tree_entry_id(e), path + "/");
        }
      }
    }
  }

  // Resolves, compares and merges the commits enumerated since `from`.
  void Process(size_t from) {
    ResolveParents(from);
    const size_t n = nodes_.size() - from;
    if (n == 0) return;
    unsigned threads = options_.threads > 0 ? static_cast<unsigned>(options_.threads)
                                            : std::max(1u, std::thread::hardware_concurrency());
    // Small histories are not worth a second repository handle.
    threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, n / 256)));
    std::vector<std::vector<Record>> slices(threads);
    auto slice_range = [&](unsigned t) {
      return std::pair<size_t, size_t>(from + n * t / threads, from + n * (t + 1) / threads);
    };
    std::vector<std::thread> workers;
    std::vector<RepoPtr> repos;
    for (unsigned t = 1; t < threads; ++t) {
      auto repo = OpenRepository(git_repository_path(repo_));
      if (!repo.ok()) {  // fall back to doing that slice on this thread
        repos.emplace_back();
        continue;
      }
      repos.push_back(*std::move(repo));
      auto [b, e] = slice_range(t);
      workers.emplace_back([this, r = repos.back().get(), b = b, e = e, out = &slices[t]] {
        CompareSlice(r, b, e, out);
      });
    }
    auto [b0, e0] = slice_range(0);
    CompareSlice(repo_, b0, e0, &slices[0]);
    for (unsigned t = 1; t < threads; ++t) {
      if (repos[t - 1] == nullptr) {
        auto [b, e] = slice_range(t);
        CompareSlice(repo_, b, e, &slices[t]);
      }
    }
    for (std::thread& w : workers) w.join();
    for (std::vector<Record>& slice : slices) {
      for (Record& r : slice) RecordBlob(r.blob, r.path, r.commit, std::move(r.predecessors));
    }
  }

  // Runs on a worker thread with its own repository: touches only `repo`, nodes_ (read-only),
  // index_->commits_ (read-only), stats_ (thread-safe) and *out.
  void CompareSlice(git_repository* repo, size_t begin, size_t end, std::vector<Record>* out) {
    TreeReader trees(repo, packs_);
    for (size_t i = begin; i < end; ++i) {
      const Node& node = nodes_[i];
      const git_oid& commit_id = index_->commits_[i].oid;
      auto tree = trees.Get(node.tree);
      if (!tree.ok()) {
        stats_->AddError(ObjectErrorKind(tree.status()),
                         absl::StrCat("tree ", OidHex(node.tree), " of commit ", OidHex(commit_id),
                                      " cannot be read: ", tree.status().message()));
        continue;
      }
      std::vector<std::shared_ptr<const ParsedTree>> parents;
      for (const git_oid& pt : node.parent_trees) {
        auto t = trees.Get(pt);
        if (t.ok()) parents.push_back(*std::move(t));  // else: that commit's comparison reports it
      }
      std::string path;
      CompareTrees(trees, **tree, parents, &path, static_cast<uint32_t>(i), commit_id, out);
    }
  }

  static const char* ObjectErrorKind(const absl::Status& s) {
    return absl::IsNotFound(s) ? "missing object" : "corrupt object";
  }

  void AddCommit(const git_oid& oid, const std::string& name, const std::string& email, int64_t time) {
    std::string key = name;
    key.push_back('\0');
    key.append(email);
    auto [it, inserted] = people_.try_emplace(std::move(key), index_->people_.size());
    if (inserted) index_->people_.push_back({name, email});
    index_->commits_.push_back({oid, it->second, time});
  }

  // Records every blob in `tree` (under `*path`) that no tree in `parents` has at the same place.
  // Subtrees identical to a parent's are skipped without being read.
  void CompareTrees(TreeReader& trees, const ParsedTree& tree,
                    const std::vector<std::shared_ptr<const ParsedTree>>& parents, std::string* path,
                    uint32_t commit_idx, const git_oid& commit_id, std::vector<Record>* out) {
    const size_t path_len = path->size();
    // Entries are sorted the same way in every tree, so one forward cursor per parent finds the
    // counterparts with a merge-walk. A path that changed kind (file <-> folder) has none, which is
    // right: nothing of that kind was there.
    std::vector<size_t> cursors(parents.size(), 0);
    for (const TreeEntry& e : tree.entries) {
      if (!e.is_blob && !e.is_tree) continue;  // submodule commits
      bool unchanged = false;
      std::vector<git_oid> parent_subtrees, predecessors;
      for (size_t k = 0; k < parents.size(); ++k) {
        const std::vector<TreeEntry>& pe = parents[k]->entries;
        size_t& c = cursors[k];
        while (c < pe.size() && CompareEntries(pe[c], e) < 0) ++c;
        if (c == pe.size() || CompareEntries(pe[c], e) != 0) continue;
        const TreeEntry& match = pe[c++];
        if (git_oid_equal(&match.id, &e.id)) {
          unchanged = true;
          break;
        }
        if (e.is_tree) {
          parent_subtrees.push_back(match.id);
        } else if (!options_.range.empty() && match.is_blob) {
          predecessors.push_back(match.id);
        }
      }
      if (unchanged) continue;
      path->append(e.name);
      if (e.is_blob) {
        out->push_back({e.id, commit_idx, *path, std::move(predecessors)});
      } else {
        auto sub = trees.Get(e.id);
        if (!sub.ok()) {
          stats_->AddError(ObjectErrorKind(sub.status()),
                           absl::StrCat("tree ", OidHex(e.id), " at ", *path, " in commit ",
                                        OidHex(commit_id), " cannot be read: ", sub.status().message()));
        } else {
          std::vector<std::shared_ptr<const ParsedTree>> subs;
          for (const git_oid& pid : parent_subtrees) {
            auto ps = trees.Get(pid);
            if (ps.ok()) subs.push_back(*std::move(ps));  // else reported with that parent's commit
          }
          path->push_back('/');
          CompareTrees(trees, **sub, subs, path, commit_idx, commit_id, out);
        }
      }
      path->resize(path_len);
    }
  }

  void RecordBlob(const git_oid& oid, const std::string& path, uint32_t commit_idx,
                  std::vector<git_oid> predecessors) {
    if (!options_.range.empty() && inherited_.contains(oid)) {
      // Old content the range moved or copied to `path`: not new, and what later edits at that
      // path should be compared with (a rename, then an edit, must not make old secrets new).
      index_->boundary_blobs_[path].push_back(oid);
      return;
    }
    auto [pit, new_path] = paths_.try_emplace(path, index_->paths_.size());
    if (new_path) index_->paths_.push_back(path);
    auto [bit, new_blob] = index_->blob_index_.try_emplace(oid, index_->blobs_.size());
    if (new_blob) index_->blobs_.push_back({oid, {}, {}});
    Blob& blob = index_->blobs_[bit->second];
    blob.intros.push_back({commit_idx, pit->second});
    for (const git_oid& p : predecessors) blob.predecessors.push_back(p);
  }

  // --all-objects: walks dangling commits like ref tips, then indexes blobs nothing reaches; lists
  // every tag object.
  void AddUnreachable() {
    git_odb* raw_odb = nullptr;
    if (git_repository_odb(&raw_odb, repo_) != 0) {
      stats_->AddError("object database", "cannot open the object database: " + LastGitError());
      return;
    }
    OdbPtr odb(raw_odb);
    std::vector<git_oid> all;
    auto collect = [](const git_oid* id, void* payload) {
      static_cast<std::vector<git_oid>*>(payload)->push_back(*id);
      return 0;
    };
    if (git_odb_foreach(odb.get(), collect, &all) != 0) {
      stats_->AddError("object database", "cannot list all objects: " + LastGitError());
    }
    std::vector<git_oid> loose_blobs;
    OidSet seen;
    for (const git_oid& id : all) {
      if (visited_.contains(id) || index_->blob_index_.contains(id)) continue;
      if (!seen.insert(id).second) continue;  // the same object in a pack and loose
      size_t len = 0;
      git_object_t type = GIT_OBJECT_INVALID;
      if (git_odb_read_header(&len, &type, odb.get(), &id) != 0) {
        stats_->AddError("corrupt object",
                         absl::StrCat("object ", OidHex(id), " cannot be read: ", LastGitError()));
        continue;
      }
      if (type == GIT_OBJECT_COMMIT) {
        stats_->Count("unreachable commits");
        PushCommit(id);
      } else if (type == GIT_OBJECT_BLOB) {
        loose_blobs.push_back(id);
      } else if (type == GIT_OBJECT_TAG) {
        index_->tag_objects_.push_back(id);
      }
    }
    const size_t from = nodes_.size();
    Enumerate();
    Process(from);
    for (const git_oid& id : loose_blobs) {
      if (index_->blob_index_.contains(id)) continue;
      index_->blob_index_.emplace(id, index_->blobs_.size());
      index_->blobs_.push_back({id, {}, {}});
      stats_->Count("unreachable blobs");
    }
  }

  git_repository* repo_;
  const HistoryOptions& options_;
  ScanStats* stats_;
  HistoryIndex* index_;
  std::shared_ptr<const PackOrder> packs_;
  PackReader commit_reader_;  // the enumeration's, on the calling thread
  std::vector<git_oid> stack_;
  std::vector<git_oid> tagged_blobs_;  // refs that lead to a blob, not a commit
  std::vector<Node> nodes_;  // parallel to index_->commits_
  absl::flat_hash_map<git_oid, uint32_t, OidHash, OidEq> node_index_;
  OidSet visited_, unreadable_, boundary_, inherited_, walked_from_child_;
  absl::flat_hash_set<std::string> seen_trees_;  // path + tree id, in boundary commits
  absl::flat_hash_map<std::string, uint32_t> people_, paths_;
};

absl::StatusOr<HistoryIndex> HistoryIndex::Build(git_repository* repo, const HistoryOptions& options,
                                                 ScanStats* stats,
                                                 std::shared_ptr<const PackOrder> packs) {
  HistoryIndex index;
  if (packs == nullptr) packs = std::make_shared<PackOrder>(PackOrder::Load(repo));
  Walker walker(repo, options, stats, &index, std::move(packs));
  if (absl::Status s = walker.Run(); !s.ok()) return s;
  for (Blob& b : index.blobs_) {
    std::stable_sort(b.intros.begin(), b.intros.end(), [&](const Intro& x, const Intro& y) {
      return index.commits_[x.commit].time < index.commits_[y.commit].time;
    });
    std::sort(b.predecessors.begin(), b.predecessors.end(),
              [](const git_oid& x, const git_oid& y) { return git_oid_cmp(&x, &y) < 0; });
    b.predecessors.erase(std::unique(b.predecessors.begin(), b.predecessors.end(), OidEq()),
                         b.predecessors.end());
  }
  stats->Count("blobs", index.blobs_.size());
  return index;
}

int64_t HistoryIndex::FindBlob(const git_oid& oid) const {
  auto it = blob_index_.find(oid);
  return it == blob_index_.end() ? -1 : static_cast<int64_t>(it->second);
}

GitIntroduction HistoryIndex::CommitIntroduction(uint32_t commit) const {
  const Commit& c = commits_[commit];
  const Person& p = people_[c.person];
  return GitIntroduction{OidHex(c.oid), "", p.name, p.email, c.time};
}

GitIntroduction HistoryIndex::IntroductionOf(const Intro& intro) const {
  GitIntroduction g = CommitIntroduction(intro.commit);
  g.path = paths_[intro.path];
  return g;
}

}  // namespace keysweep::git
