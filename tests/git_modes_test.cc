// CI mode (a commit range) and pre-commit mode (the staged changes) of the git sources.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/findings.h"
#include "engine/scan_stats.h"
#include "engine/sources/git/git_history_source.h"
#include "engine/sources/git/range_filter.h"
#include "engine/sources/git/staged_source.h"
#include "gtest/gtest.h"
#include "tests/git_test_util.h"

namespace keysweep {
namespace {

using testing::Drain;
using testing::kAwsKey;
using testing::kAwsKey2;
using testing::kStripeKey;
using testing::TempGitRepo;

// History: c1 plants kAwsKey in app.env; c2 adds kAwsKey2 to the same file; c3 adds a new file
// with kStripeKey and a commit message; c4 only renames app.env.
class GitRange : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.Write("app.env", std::string("A=") + kAwsKey + "\n");
    c1_ = repo_.Commit("c1", 1600000000);
    repo_.Write("app.env", std::string("A=") + kAwsKey + "\nB=" + kAwsKey2 + "\n");
    c2_ = repo_.Commit("c2", 1600000100);
    repo_.Write("pay.py", std::string("stripe.api_key = '") + kStripeKey + "'\n");
    c3_ = repo_.Commit("c3", 1600000200);
    repo_.Git("mv app.env moved.env");
    c4_ = repo_.Commit("c4", 1600000300);
  }

  std::unique_ptr<git::GitHistorySource> Open(const std::string& range, ScanStats* stats) {
    git::GitSourceOptions o;
    o.repo_path = repo_.path();
    o.history.range = range;
    auto src = git::GitHistorySource::Create(o, stats);
    EXPECT_TRUE(src.ok()) << src.status();
    return src.ok() ? *std::move(src) : nullptr;
  }

  TempGitRepo repo_;
  std::string c1_, c2_, c3_, c4_;
};

TEST_F(GitRange, ScansOnlyWhatTheRangeIntroduced) {
  ScanStats stats;
  auto src = Open(c1_ + ".." + c4_, &stats);
  ASSERT_NE(src, nullptr);
  auto chunks = Drain(*src);
  std::vector<std::string> commits_seen;
  int blobs = 0, messages = 0;
  for (const Chunk& c : chunks) {
    for (const GitIntroduction& g : c.prov->introductions) commits_seen.push_back(g.commit);
    if (c.prov->kind == Provenance::Kind::kGitBlob) ++blobs;
    if (c.prov->kind == Provenance::Kind::kGitCommitMessage) ++messages;
  }
  EXPECT_EQ(blobs, 2) << "c2's app.env and c3's pay.py; c4's rename brings no new content";
  EXPECT_EQ(messages, 3) << "c2, c3, c4";
  for (const std::string& c : commits_seen) EXPECT_NE(c, c1_) << "the range excludes its start";
  EXPECT_EQ(stats.counters()["commits"], 3u);
}

TEST_F(GitRange, KeepsOnlyFindingsFirstIntroducedInTheRange) {
  ScanStats stats;
  auto src = Open(c1_ + "..HEAD", &stats);  // what --since-commit c1 runs
  ASSERT_NE(src, nullptr);
  auto chunks = Drain(*src);
  git::RangeFilter filter(repo_.path(), src->index());
  FindingSet findings;
  for (const Chunk& c : chunks) {
    if (c.prov->kind != Provenance::Kind::kGitBlob) continue;
    for (const char* secret : {kAwsKey, kAwsKey2, kStripeKey}) {
      const size_t at = c.data.find(secret);
      if (at == std::string::npos) continue;
      Occurrence occ;
      occ.prov = c.prov;
      occ.offset = at;
      findings.Add(std::string(secret) == kStripeKey ? 1 : 0, "rule", secret, occ);
    }
  }
  ASSERT_EQ(findings.size(), 3u) << "c2's app.env still holds kAwsKey";
  filter.Apply(&findings);
  std::vector<std::string> kept;
  findings.EraseIf([&](const Finding& f) {
    kept.push_back(f.secret);
    return false;
  });
  std::sort(kept.begin(), kept.end());
  std::vector<std::string> want = {kAwsKey2, kStripeKey};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(kept, want) << "kAwsKey was there before the range";
}

// Findings the range's blobs hold, after RangeFilter: the secrets kept, sorted.
std::vector<std::string> KeptSecrets(const TempGitRepo& repo, const std::string& range) {
  git::GitSourceOptions o;
  o.repo_path = repo.path();
  o.history.range = range;
  ScanStats stats;
  auto src = git::GitHistorySource::Create(o, &stats);
  EXPECT_TRUE(src.ok()) << src.status();
  if (!src.ok()) return {};
  auto chunks = Drain(**src);
  git::RangeFilter filter(repo.path(), (*src)->index());
  FindingSet findings;
  for (const Chunk& c : chunks) {
    for (const char* secret : {kAwsKey, kAwsKey2, kStripeKey}) {
      const size_t at = c.data.find(secret);
      if (at == std::string::npos) continue;
      Occurrence occ;
      occ.prov = c.prov;
      occ.offset = at;
      findings.Add(0, "rule", secret, occ);
    }
  }
  filter.Apply(&findings);
  std::vector<std::string> kept;
  findings.EraseIf([&](const Finding& f) {
    kept.push_back(f.secret);
    return false;
  });
  std::sort(kept.begin(), kept.end());
  return kept;
}

TEST(GitRangeEdges, MergesAndChainsOfEditsInsideTheRange) {
  TempGitRepo repo;
  repo.Write("app.env", std::string("OLD=") + kAwsKey + "\n");
  const std::string base = repo.Commit("base", 1600000000);
  repo.Write("app.env", std::string("OLD=") + kAwsKey + "\nX=1\n");
  repo.Commit("edit 1", 1600000100);
  repo.Write("app.env", std::string("OLD=") + kAwsKey + "\nX=1\nY=2\n");
  repo.Commit("edit 2: its parent's version is in the range, the secret is still old", 1600000200);
  repo.Git("checkout -q -b feature " + base);
  repo.Write("feat.env", std::string("NEW=") + kAwsKey2 + "\n");
  repo.Commit("feature adds a secret", 1600000300);
  repo.Write("feat.env", std::string("NEW=") + kAwsKey2 + "\nZ=3\n");
  repo.Commit("feature edits it", 1600000400);
  repo.Git("checkout -q main");
  repo.Git("merge -q --no-ff feature -m merge", 1600000500);
  EXPECT_EQ(KeptSecrets(repo, base + "..HEAD"), std::vector<std::string>{kAwsKey2});
  EXPECT_EQ(KeptSecrets(repo, base + "..main~1"), std::vector<std::string>{})
      << "only edits of an old secret";
}

TEST(GitRangeEdges, RenameThenEditKeepsOldSecretsOld) {
  TempGitRepo repo;
  repo.Write("old.env", std::string("OLD=") + kAwsKey + "\n");
  const std::string base = repo.Commit("base", 1600000000);
  repo.Git("mv old.env new.env");
  repo.Commit("rename", 1600000100);
  repo.Write("new.env", std::string("OLD=") + kAwsKey + "\nNEW=" + kAwsKey2 + "\n");
  repo.Commit("edit at the new path", 1600000200);
  EXPECT_EQ(KeptSecrets(repo, base + "..HEAD"), std::vector<std::string>{kAwsKey2});
}

TEST(GitRangeEdges, EditRenameEditKeepsOldSecretsOld) {
  TempGitRepo repo;
  repo.Write("old.env", std::string("OLD=") + kAwsKey + "\n");
  const std::string base = repo.Commit("base", 1600000000);
  repo.Write("old.env", std::string("OLD=") + kAwsKey + "\nX=1\n");
  repo.Commit("edit in the range", 1600000100);
  repo.Git("mv old.env new.env");
  repo.Commit("rename the edited file", 1600000200);
  repo.Write("new.env", std::string("OLD=") + kAwsKey + "\nX=1\nNEW=" + kStripeKey + "\n");
  repo.Commit("edit at the new path", 1600000300);
  EXPECT_EQ(KeptSecrets(repo, base + "..HEAD"), std::vector<std::string>{kStripeKey});
}

TEST_F(GitRange, RangeEndingBeforeAChangeExcludesIt) {
  ScanStats stats;
  auto src = Open(c2_ + ".." + c3_, &stats);
  ASSERT_NE(src, nullptr);
  for (const Chunk& c : Drain(*src)) {
    EXPECT_EQ(c.data.find(kAwsKey2), std::string::npos) << "introduced by c2, outside the range";
    for (const GitIntroduction& g : c.prov->introductions) EXPECT_EQ(g.commit, c3_);
  }
}

TEST_F(GitRange, BadRangeIsAClearError) {
  ScanStats stats;
  git::GitSourceOptions o;
  o.repo_path = repo_.path();
  o.history.range = "no-such-rev..HEAD";
  auto src = git::GitHistorySource::Create(o, &stats);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("no-such-rev"), std::string_view::npos);
}

std::unique_ptr<git::StagedSource> OpenStaged(const TempGitRepo& repo, ScanStats* stats) {
  git::StagedOptions o;
  o.repo_path = repo.path();
  auto src = git::StagedSource::Create(o, stats);
  EXPECT_TRUE(src.ok()) << src.status();
  return src.ok() ? *std::move(src) : nullptr;
}

TEST(GitStaged, KeepsOnlyAddedLinesRelativeToHead) {
  TempGitRepo repo;
  repo.Write("app.env", std::string("A=") + kAwsKey + "\nX=1\n");
  repo.Write("untouched.txt", "same\n");
  repo.Commit("base");
  repo.Write("app.env", std::string("A=") + kAwsKey + "\nX=1\nB=" + kAwsKey2 + "\n");
  repo.Write("new.py", std::string("\n\nkey = '") + kStripeKey + "'\n");
  repo.Git("add app.env new.py");
  repo.Write("app.env", "unstaged edits do not count\n");

  ScanStats stats;
  auto src = OpenStaged(repo, &stats);
  ASSERT_NE(src, nullptr);
  auto chunks = Drain(*src);
  ASSERT_EQ(chunks.size(), 2u) << "the two staged files, not the untouched one";
  auto lines = src->lines();
  for (const Chunk& c : chunks) {
    EXPECT_EQ(c.prov->kind, Provenance::Kind::kGitStaged);
    EXPECT_EQ(c.prov->path, repo.path());
    if (c.prov->git_path == "app.env") {
      EXPECT_NE(c.data.find(kAwsKey2), std::string::npos) << "the staged version, not the work tree";
      EXPECT_FALSE(lines->Contains("app.env", 1));
      EXPECT_FALSE(lines->Contains("app.env", 2));
      EXPECT_TRUE(lines->Contains("app.env", 3));
      Occurrence old_line{c.prov, 0, 1, 3, ""}, new_line{c.prov, 0, 3, 3, ""};
      EXPECT_FALSE(lines->Keep(old_line));
      EXPECT_TRUE(lines->Keep(new_line));
    } else {
      EXPECT_EQ(c.prov->git_path, "new.py");
      EXPECT_TRUE(lines->Contains("new.py", 3));
    }
  }
}

TEST(GitStaged, WorksBeforeTheFirstCommit) {
  TempGitRepo repo;
  repo.Write("first.env", std::string("K=") + kAwsKey + "\n");
  repo.Git("add first.env");
  ScanStats stats;
  auto src = OpenStaged(repo, &stats);
  ASSERT_NE(src, nullptr);
  auto chunks = Drain(*src);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].prov->git_path, "first.env");
  EXPECT_TRUE(src->lines()->Contains("first.env", 1));
}

TEST(GitStaged, PureRenameAddsNoLines) {
  TempGitRepo repo;
  repo.Write("a.env", std::string("K=") + kAwsKey + "\n");
  repo.Commit("a");
  repo.Git("mv a.env b.env");
  ScanStats stats;
  auto src = OpenStaged(repo, &stats);
  ASSERT_NE(src, nullptr);
  auto chunks = Drain(*src);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_FALSE(src->lines()->Contains("b.env", 1));
}

TEST(GitStaged, BareRepositoryIsAClearError) {
  TempGitRepo repo(/*init=*/false);
  repo.Git("init -q --bare");
  git::StagedOptions o;
  o.repo_path = repo.path();
  ScanStats stats;
  auto src = git::StagedSource::Create(o, &stats);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("bare"), std::string_view::npos);
}

}  // namespace
}  // namespace keysweep
