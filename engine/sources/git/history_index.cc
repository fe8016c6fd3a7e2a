#include "engine/sources/git/history_index.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

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

// Does the walk; lives only inside Build().
class HistoryIndex::Walker {
 public:
  Walker(git_repository* repo, const HistoryOptions& options, ScanStats* stats, HistoryIndex* index)
      : repo_(repo), options_(options), stats_(stats), index_(index) {}

  absl::Status Run() {
    index_->shallow_ = git_repository_is_shallow(repo_) == 1;
    if (index_->shallow_) {
      stats_->AddError("shallow clone",
                       "shallow clone: history is cut; blobs at the cut are attributed to the "
                       "oldest commit present, and older history is not scanned");
    }
    if (!options_.range.empty()) return RunRange();
    if (absl::Status s = PushRefs(); !s.ok()) return s;
    Drain();
    if (options_.all_objects) AddUnreachable();
    return absl::OkStatus();
  }

 private:
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
      if (git_reference_peel(&obj, ref.get(), GIT_OBJECT_COMMIT) != 0) {
        // A tag of a tree or blob, or a ref to a missing object.
        stats_->AddError("bad ref", absl::StrCat("ref ", git_reference_name(ref.get()),
                                                 " does not lead to a commit: ", LastGitError()));
        continue;
      }
      ObjectPtr owned(obj);
      PushCommit(*git_object_id(obj));
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

  void Drain() {
    while (!stack_.empty()) {
      git_oid oid = stack_.back();
      stack_.pop_back();
      ProcessCommit(oid, /*walk_parents=*/true);
    }
  }

  absl::Status RunRange() {
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
    while ((rc = git_revwalk_next(&oid, walk.get())) == 0) {
      commits.push_back(oid);
      in_range_.insert(oid);
    }
    if (rc != GIT_ITEROVER) {
      return absl::DataLossError(
          absl::StrCat("cannot walk range '", options_.range, "': ", LastGitError()));
    }
    for (const git_oid& c : commits) ProcessCommit(c, /*walk_parents=*/false);
    return absl::OkStatus();
  }

  // Every blob in the full tree of a commit outside the range: content the range inherited.
  void CollectInherited(const git_oid& commit_id, const git_tree* tree) {
    if (!boundary_.insert(commit_id).second) return;
    std::vector<TreePtr> todo;
    auto add_tree = [&](const git_tree* t) {
      for (size_t i = 0, n = git_tree_entrycount(t); i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(t, i);
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
          inherited_.insert(*git_tree_entry_id(e));
        } else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
          if (!seen_trees_.insert(*git_tree_entry_id(e)).second) continue;
          auto sub = LookupTree(repo_, *git_tree_entry_id(e));
          if (sub.ok()) todo.push_back(*std::move(sub));
        }
      }
    };
    add_tree(tree);
    while (!todo.empty()) {
      TreePtr t = std::move(todo.back());
      todo.pop_back();
      add_tree(t.get());
    }
  }

  void ProcessCommit(const git_oid& oid, bool walk_parents) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &oid) != 0) {
      if (index_->shallow_ && walked_from_child_.contains(oid)) {
        stats_->Count("shallow cut commits");  // said once, in Run()
      } else {
        stats_->AddError("missing object",
                         absl::StrCat("commit ", OidHex(oid), " cannot be read: ", LastGitError()));
      }
      return;
    }
    CommitPtr commit(raw);
    stats_->Count("commits");
    const uint32_t idx = AddCommit(commit.get());
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, commit.get()) != 0) {
      stats_->AddError("missing object",
                       absl::StrCat("tree ", OidHex(*git_commit_tree_id(commit.get())), " of commit ",
                                    OidHex(oid), " cannot be read: ", LastGitError()));
      return;
    }
    TreePtr tree(raw_tree);
    std::vector<TreePtr> parent_trees;
    for (unsigned i = 0, n = git_commit_parentcount(commit.get()); i < n; ++i) {
      const git_oid* pid = git_commit_parent_id(commit.get(), i);
      if (walk_parents) {
        PushCommit(*pid);
        if (index_->shallow_) walked_from_child_.insert(*pid);
      }
      git_commit* raw_parent = nullptr;
      if (git_commit_lookup(&raw_parent, repo_, pid) != 0) {
        if (!index_->shallow_) {
          stats_->AddError("missing object",
                           absl::StrCat("commit ", OidHex(*pid), " (parent of ", OidHex(oid),
                                        ") cannot be read: ", LastGitError()));
        }
        continue;  // no parent tree: everything the commit has counts as introduced by it
      }
      CommitPtr parent(raw_parent);
      git_tree* raw_ptree = nullptr;
      if (git_commit_tree(&raw_ptree, parent.get()) != 0) {
        stats_->AddError("missing object", absl::StrCat("tree of commit ", OidHex(*pid),
                                                        " cannot be read: ", LastGitError()));
        continue;
      }
      parent_trees.emplace_back(raw_ptree);
      if (!options_.range.empty() && !in_range_.contains(*pid)) {
        CollectInherited(*pid, raw_ptree);
      }
    }
    std::vector<const git_tree*> parents;
    for (const TreePtr& t : parent_trees) parents.push_back(t.get());
    std::string path;
    CompareTrees(tree.get(), parents, &path, idx, oid);
  }

  uint32_t AddCommit(const git_commit* commit) {
    const git_signature* author = git_commit_author(commit);
    const std::string name = author->name != nullptr ? author->name : "";
    const std::string email = author->email != nullptr ? author->email : "";
    std::string key = name;
    key.push_back('\0');
    key.append(email);
    auto [it, inserted] = people_.try_emplace(std::move(key), index_->people_.size());
    if (inserted) index_->people_.push_back({name, email});
    index_->commits_.push_back({*git_commit_id(commit), it->second, git_commit_time(commit)});
    return static_cast<uint32_t>(index_->commits_.size() - 1);
  }

  // Records every blob in `tree` (under `*path`) that no tree in `parents` has at the same place.
  // Subtrees identical to a parent's are skipped without being read.
  void CompareTrees(const git_tree* tree, const std::vector<const git_tree*>& parents,
                    std::string* path, uint32_t commit_idx, const git_oid& commit_id) {
    const size_t path_len = path->size();
    // Both trees are sorted the same way, so one forward cursor per parent finds the entries with
    // a merge-walk instead of a binary search (and its string compares) per entry.
    std::vector<size_t> cursors(parents.size(), 0);
    for (size_t i = 0, n = git_tree_entrycount(tree); i < n; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(tree, i);
      const git_object_t type = git_tree_entry_type(e);
      if (type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TREE) continue;  // submodule commits
      const git_oid* id = git_tree_entry_id(e);
      const char* name = git_tree_entry_name(e);
      bool unchanged = false;
      std::vector<git_oid> parent_subtrees, replaced;
      for (size_t k = 0; k < parents.size(); ++k) {
        const git_tree_entry* pe = FindInParent(parents[k], e, &cursors[k]);
        if (pe == nullptr) continue;
        if (git_oid_equal(git_tree_entry_id(pe), id)) {
          unchanged = true;
          break;
        }
        const git_object_t ptype = git_tree_entry_type(pe);
        if (type == GIT_OBJECT_TREE && ptype == GIT_OBJECT_TREE) {
          parent_subtrees.push_back(*git_tree_entry_id(pe));
        } else if (type == GIT_OBJECT_BLOB && ptype == GIT_OBJECT_BLOB && !options_.range.empty()) {
          replaced.push_back(*git_tree_entry_id(pe));
        }
      }
      if (unchanged) continue;
      path->append(name);
      if (type == GIT_OBJECT_BLOB) {
        RecordBlob(*id, *path, commit_idx, std::move(replaced));
      } else {
        auto sub = LookupTree(repo_, *id);
        if (!sub.ok()) {
          stats_->AddError("missing object",
                           absl::StrCat("tree ", OidHex(*id), " at ", *path, " in commit ",
                                        OidHex(commit_id), " cannot be read: ", sub.status().message()));
        } else {
          std::vector<TreePtr> owned;
          std::vector<const git_tree*> subs;
          for (const git_oid& pid : parent_subtrees) {
            auto ps = LookupTree(repo_, pid);
            if (!ps.ok()) continue;  // reported when that parent's commit is processed
            subs.push_back(ps->get());
            owned.push_back(*std::move(ps));
          }
          path->push_back('/');
          CompareTrees(sub->get(), subs, path, commit_idx, commit_id);
        }
      }
      path->resize(path_len);
    }
  }

  // The entry of `parent` with e's name and kind (blob or tree), advancing *cursor past smaller
  // entries. Entries come in git's tree order, in which a tree named "a" sorts as "a/".
  static const git_tree_entry* FindInParent(const git_tree* parent, const git_tree_entry* e,
                                            size_t* cursor) {
    const size_t n = git_tree_entrycount(parent);
    while (*cursor < n) {
      const git_tree_entry* pe = git_tree_entry_byindex(parent, *cursor);
      const int c = git_tree_entry_cmp(pe, e);
      if (c < 0) {
        ++*cursor;
        continue;
      }
      if (c > 0) return nullptr;
      ++*cursor;
      return pe;
    }
    return nullptr;
  }

  void RecordBlob(const git_oid& oid, const std::string& path, uint32_t commit_idx,
                  std::vector<git_oid> replaced) {
    if (!options_.range.empty() && inherited_.contains(oid)) return;  // old content, moved or copied
    auto [pit, new_path] = paths_.try_emplace(path, index_->paths_.size());
    if (new_path) index_->paths_.push_back(path);
    auto [bit, new_blob] = index_->blob_index_.try_emplace(oid, index_->blobs_.size());
    if (new_blob) index_->blobs_.push_back({oid, {}, {}});
    Blob& blob = index_->blobs_[bit->second];
    blob.intros.push_back({commit_idx, pit->second});
    for (const git_oid& r : replaced) blob.replaced.push_back(r);
  }

  // --all-objects: walks dangling commits like ref tips, then indexes blobs nothing reaches.
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
      }
    }
    Drain();
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
  std::vector<git_oid> stack_;
  OidSet visited_, in_range_, boundary_, inherited_, seen_trees_, walked_from_child_;
  absl::flat_hash_map<std::string, uint32_t> people_, paths_;
};

absl::StatusOr<HistoryIndex> HistoryIndex::Build(git_repository* repo, const HistoryOptions& options,
                                                 ScanStats* stats) {
  HistoryIndex index;
  Walker walker(repo, options, stats, &index);
  if (absl::Status s = walker.Run(); !s.ok()) return s;
  for (Blob& b : index.blobs_) {
    std::stable_sort(b.intros.begin(), b.intros.end(), [&](const Intro& x, const Intro& y) {
      return index.commits_[x.commit].time < index.commits_[y.commit].time;
    });
    std::sort(b.replaced.begin(), b.replaced.end(),
              [](const git_oid& x, const git_oid& y) { return git_oid_cmp(&x, &y) < 0; });
    b.replaced.erase(std::unique(b.replaced.begin(), b.replaced.end(), OidEq()), b.replaced.end());
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
