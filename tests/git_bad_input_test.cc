// The git history source on repositories that are not whole: no repository, no commits, shallow
// clones, missing and corrupt objects, and objects no ref reaches.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/scan_stats.h"
#include "engine/sources/git/git_history_source.h"
#include "gtest/gtest.h"
#include "tests/git_test_util.h"

namespace keysweep {
namespace {

using testing::Drain;
using testing::kAwsKey;
using testing::kAwsKey2;
using testing::TempGitRepo;

absl::StatusOr<std::unique_ptr<git::GitHistorySource>> Open(const std::string& path, ScanStats* stats,
                                                            bool all_objects = false) {
  git::GitSourceOptions o;
  o.repo_path = path;
  o.quiet = true;
  o.history.all_objects = all_objects;
  return git::GitHistorySource::Create(o, stats);
}

bool AnyBlobHas(const std::vector<Chunk>& chunks, const std::string& s) {
  for (const Chunk& c : chunks) {
    if (c.prov->kind == Provenance::Kind::kGitBlob && c.data.find(s) != std::string::npos) return true;
  }
  return false;
}

std::string AllErrors(const ScanStats& stats) {
  std::string all;
  for (const std::string& m : stats.error_messages()) all += m + "\n";
  return all;
}

TEST(GitBadInput, NotARepositoryIsAClearError) {
  TempGitRepo dir(/*init=*/false);
  ScanStats stats;
  auto src = Open(dir.path(), &stats);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("not a git repository"), std::string_view::npos);
  EXPECT_NE(src.status().message().find(dir.path()), std::string_view::npos);
}

TEST(GitBadInput, EmptyRepositoryScansNothingAndSaysSo) {
  TempGitRepo repo;
  ScanStats stats;
  auto src = Open(repo.path(), &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_TRUE(Drain(**src).empty());
  EXPECT_EQ(stats.skips()["empty repository"], 1u);
}

TEST(GitBadInput, BareMirrorIsScanned) {
  TempGitRepo repo;
  repo.Write("k.env", std::string("K=") + kAwsKey + "\n");
  repo.Commit("k");
  TempGitRepo mirror(/*init=*/false);
  testing::Run("git clone -q --mirror " + testing::ShellQuote(repo.path()) + " " +
               testing::ShellQuote(mirror.path() + "/m.git"));
  ScanStats stats;
  auto src = Open(mirror.path() + "/m.git", &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_TRUE(AnyBlobHas(Drain(**src), kAwsKey));
}

TEST(GitBadInput, ShallowCloneScansWhatIsThereAndSaysHistoryIsCut) {
  TempGitRepo repo;
  repo.Write("old.env", std::string("K=") + kAwsKey + "\n");
  repo.Commit("old", 1600000000);
  repo.Write("old.env", "K=none\n");
  repo.Write("new.env", std::string("K=") + kAwsKey2 + "\n");
  const std::string tip = repo.Commit("new", 1600000100);
  TempGitRepo clone(/*init=*/false);
  testing::Run("git clone -q --depth 1 file://" + repo.path() + " " + testing::ShellQuote(clone.path() + "/c"));
  ScanStats stats;
  auto src = Open(clone.path() + "/c", &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  auto chunks = Drain(**src);
  EXPECT_TRUE(AnyBlobHas(chunks, kAwsKey2));
  EXPECT_FALSE(AnyBlobHas(chunks, kAwsKey)) << "the cut-off commit is not there";
  EXPECT_EQ(stats.errors()["shallow clone"], 1u);
  EXPECT_NE(AllErrors(stats).find("history is cut"), std::string::npos);
  EXPECT_EQ(stats.errors().size(), 1u) << AllErrors(stats);
  for (const Chunk& c : chunks) {
    if (c.prov->kind == Provenance::Kind::kGitBlob) {
      ASSERT_FALSE(c.prov->introductions.empty());
      EXPECT_EQ(c.prov->introductions[0].commit, tip);
    }
  }
}

TEST(GitBadInput, MissingAndCorruptObjectsAreNamedCountedAndSkipped) {
  TempGitRepo repo;
  repo.Write("gone.txt", "this blob will vanish\n");
  repo.Write("broken.txt", "this blob will be damaged\n");
  repo.Write("fine.env", std::string("K=") + kAwsKey + "\n");
  repo.Commit("three files");
  const std::string gone = repo.Git("rev-parse HEAD:gone.txt");
  const std::string broken = repo.Git("rev-parse HEAD:broken.txt");
  auto object_path = [&](const std::string& id) {
    return repo.path() + "/.git/objects/" + id.substr(0, 2) + "/" + id.substr(2);
  };
  std::filesystem::remove(object_path(gone));
  std::filesystem::permissions(object_path(broken), std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(object_path(broken), std::ios::binary | std::ios::trunc) << "not zlib at all";

  ScanStats stats;
  auto src = Open(repo.path(), &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  auto chunks = Drain(**src);
  EXPECT_TRUE(AnyBlobHas(chunks, kAwsKey)) << "the scan goes on past bad objects";
  EXPECT_EQ(stats.errors()["missing object"], 1u) << AllErrors(stats);
  EXPECT_EQ(stats.errors()["corrupt object"], 1u) << AllErrors(stats);
  const std::string all = AllErrors(stats);
  EXPECT_NE(all.find(gone), std::string::npos) << all;
  EXPECT_NE(all.find(broken), std::string::npos) << all;
  EXPECT_NE(all.find("gone.txt"), std::string::npos) << all;
}

TEST(GitBadInput, MissingTreeIsNamedAndTheWalkGoesOn) {
  TempGitRepo repo;
  repo.Write("dir/inner.txt", "inner\n");
  repo.Write("top.env", std::string("K=") + kAwsKey + "\n");
  repo.Commit("c");
  const std::string tree = repo.Git("rev-parse HEAD:dir");
  std::filesystem::remove(repo.path() + "/.git/objects/" + tree.substr(0, 2) + "/" + tree.substr(2));
  ScanStats stats;
  auto src = Open(repo.path(), &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_TRUE(AnyBlobHas(Drain(**src), kAwsKey));
  EXPECT_EQ(stats.errors()["missing object"], 1u);
  EXPECT_NE(AllErrors(stats).find(tree), std::string::npos);
}

TEST(GitBadInput, AllObjectsAddsDanglingBlobsAndCommits) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  repo.Commit("a", 1600000000);
  repo.Write("leak.env", std::string("K=") + kAwsKey + "\n");
  const std::string dropped = repo.Commit("leak", 1600000100);
  repo.Git("reset -q --hard HEAD~1");  // the commit is now dangling (reflogs are not walked)
  repo.Write("staged-then-dropped.env", std::string("K=") + kAwsKey2 + "\n");
  repo.Git("add staged-then-dropped.env");
  repo.Git("rm -q --cached staged-then-dropped.env");  // leaves a dangling blob

  ScanStats stats;
  auto src = Open(repo.path(), &stats);
  ASSERT_TRUE(src.ok());
  auto reachable = Drain(**src);
  EXPECT_FALSE(AnyBlobHas(reachable, kAwsKey));
  EXPECT_FALSE(AnyBlobHas(reachable, kAwsKey2));

  ScanStats all_stats;
  auto all_src = Open(repo.path(), &all_stats, /*all_objects=*/true);
  ASSERT_TRUE(all_src.ok());
  auto all = Drain(**all_src);
  bool leak = false, dangling = false;
  for (const Chunk& c : all) {
    if (c.prov->kind != Provenance::Kind::kGitBlob) continue;
    if (c.data.find(kAwsKey) != std::string::npos) {
      leak = true;
      ASSERT_EQ(c.prov->introductions.size(), 1u);
      EXPECT_EQ(c.prov->introductions[0].commit, dropped) << "dangling commits keep provenance";
    }
    if (c.data.find(kAwsKey2) != std::string::npos) {
      dangling = true;
      EXPECT_TRUE(c.prov->introductions.empty());
    }
  }
  EXPECT_TRUE(leak);
  EXPECT_TRUE(dangling);
  EXPECT_EQ(all_stats.counters()["unreachable commits"], 1u);
  EXPECT_EQ(all_stats.counters()["unreachable blobs"], 1u);
}

TEST(GitBadInput, StashesAndTaggedBlobsAreScanned) {
  TempGitRepo repo;
  repo.Write("app.env", "A=1\n");
  repo.Commit("base");
  repo.Write("app.env", std::string("A=") + kAwsKey + "\n");
  repo.Git("stash -q");  // the secret now lives only in refs/stash
  repo.Write("keyfile.txt", std::string("K=") + kAwsKey2 + "\n");  // never committed
  const std::string blob = repo.Git("hash-object -w keyfile.txt");
  repo.Git("tag -a -m 'a key' keyfile " + blob);
  ScanStats stats;
  auto src = Open(repo.path(), &stats);
  ASSERT_TRUE(src.ok());
  auto chunks = Drain(**src);
  EXPECT_TRUE(AnyBlobHas(chunks, kAwsKey)) << "stash commits are walked like any ref";
  EXPECT_TRUE(AnyBlobHas(chunks, kAwsKey2)) << "a tag may point straight at a blob";
  EXPECT_EQ(stats.counters()["tagged blobs"], 1u);
  EXPECT_EQ(stats.error_count(), 0u) << AllErrors(stats);
}

}  // namespace
}  // namespace keysweep
