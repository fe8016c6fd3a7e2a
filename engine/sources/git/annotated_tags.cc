#include "engine/sources/git/annotated_tags.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/sources/git/git_handles.h"

namespace keysweep::git {
namespace {

constexpr std::string_view kTagsPrefix = "refs/tags/";

// Fills ref->target with what the tag finally tags; left invalid when a link of the chain is missing.
void Peel(git_tag* tag, TagRef* ref) {
  git_object* raw = nullptr;
  if (git_tag_peel(&raw, tag) != 0) return;
  ObjectPtr target(raw);
  ref->target = *git_object_id(target.get());
  ref->target_type = git_object_type(target.get());
}

// Every ref under refs/tags/ as (name without the prefix, the object it leads to), in name order.
std::vector<std::pair<std::string, git_oid>> TagRefs(git_repository* repo, ScanStats* stats) {
  std::vector<std::pair<std::string, git_oid>> refs;
  git_reference_iterator* raw_iter = nullptr;
  if (git_reference_iterator_new(&raw_iter, repo) != 0) {
    stats->AddError("bad ref", "cannot list tags: " + LastGitError());
    return refs;
  }
  RefIterPtr iter(raw_iter);
  git_reference* raw_ref = nullptr;
  int rc;
  while ((rc = git_reference_next(&raw_ref, iter.get())) == 0) {
    ReferencePtr ref(raw_ref);
    const std::string_view full = git_reference_name(ref.get());
    if (full.substr(0, kTagsPrefix.size()) != kTagsPrefix) continue;
    std::string name(full.substr(kTagsPrefix.size()));
    git_reference* raw_resolved = nullptr;
    if (git_reference_resolve(&raw_resolved, ref.get()) != 0) {
      stats->AddError("unreadable tag", absl::StrCat("tag ", name, " cannot be resolved: ", LastGitError()));
      continue;
    }
    ReferencePtr resolved(raw_resolved);
    refs.emplace_back(std::move(name), *git_reference_target(resolved.get()));
  }
  if (rc != GIT_ITEROVER) stats->AddError("bad ref", "cannot read tags: " + LastGitError());
  std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return refs;
}

}  // namespace

std::string DescribeTag(const TagRef& ref) {
  if (ref.name.empty()) return "tag object " + OidHex(ref.id);
  return absl::StrCat("tag ", ref.name, " (object ", OidHex(ref.id), ")");
}

std::vector<TagRef> ListAnnotatedTags(git_repository* repo, const std::vector<git_oid>& more,
                                      ScanStats* stats) {
  std::vector<TagRef> out;
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo) != 0) {
    stats->AddError("object database", "cannot open the object database: " + LastGitError());
    return out;
  }
  OdbPtr odb(raw_odb);
  absl::flat_hash_set<git_oid, OidHash, OidEq> seen;
  // Follows one ref (or tag object) down its chain of tags of tags, listing each tag object once.
  auto follow = [&](git_oid id, std::string name) {
    for (;;) {
      if (!seen.insert(id).second) return;
      TagRef ref{id, std::move(name), {}, GIT_OBJECT_INVALID};
      size_t size = 0;
      git_object_t type = GIT_OBJECT_INVALID;
      if (git_odb_read_header(&size, &type, odb.get(), &id) != 0) {
        stats->AddError("unreadable tag", absl::StrCat(DescribeTag(ref), " cannot be read: ", LastGitError()));
        return;
      }
      if (type != GIT_OBJECT_TAG) return;  // a lightweight tag, or the end of the chain
      git_tag* raw_tag = nullptr;
      const bool parsed = git_tag_lookup(&raw_tag, repo, &id) == 0;  // else reported when read
      TagPtr tag(raw_tag);
      if (parsed) Peel(tag.get(), &ref);
      out.push_back(std::move(ref));
      if (!parsed || git_tag_target_type(tag.get()) != GIT_OBJECT_TAG) return;
      id = *git_tag_target_id(tag.get());
      name.clear();  // an inner tag is named by itself
    }
  };
  for (auto& [name, id] : TagRefs(repo, stats)) follow(id, std::move(name));
  for (const git_oid& id : more) follow(id, "");
  return out;
}

absl::Status ReadAnnotatedTag(git_repository* repo, const TagRef& ref, std::string* message, GitTag* tag) {
  git_tag* raw = nullptr;
  if (git_tag_lookup(&raw, repo, &ref.id) != 0) return absl::DataLossError(LastGitError());
  TagPtr t(raw);
  const char* msg = git_tag_message(t.get());
  message->assign(msg != nullptr ? msg : "");
  const char* own_name = git_tag_name(t.get());
  tag->name = !ref.name.empty() ? ref.name : own_name != nullptr ? own_name : "";
  tag->id = OidHex(ref.id);
  if (const git_signature* tagger = git_tag_tagger(t.get()); tagger != nullptr) {  // old tags may have none
    tag->tagger_name = tagger->name != nullptr ? tagger->name : "";
    tag->tagger_email = tagger->email != nullptr ? tagger->email : "";
    tag->time = tagger->when.time;
  }
  const bool peeled = ref.target_type != GIT_OBJECT_INVALID;
  tag->target = OidHex(peeled ? ref.target : *git_tag_target_id(t.get()));
  tag->target_type = git_object_type2string(peeled ? ref.target_type : git_tag_target_type(t.get()));
  return absl::OkStatus();
}

}  // namespace keysweep::git
