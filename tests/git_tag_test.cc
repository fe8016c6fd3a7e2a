// Annotated tag messages in `keysweep git`: the history source yields each tag object's message once,
// after the blobs and commit messages, and every output format names the tag.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/scan_stats.h"
#include "engine/sources/git/git_history_source.h"
#include "gtest/gtest.h"
#include "tests/git_test_util.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::Drain;
using testing::kAwsKey;
using testing::kAwsKey2;
using testing::RunKeysweep;
using testing::ShellQuote;
using testing::ScanHistory;
using testing::TempGitRepo;

std::vector<const Chunk*> TagMessages(const std::vector<Chunk>& chunks) {
  std::vector<const Chunk*> out;
  for (const Chunk& c : chunks) {
    if (c.prov->kind == Provenance::Kind::kGitTagMessage) out.push_back(&c);
  }
  std::sort(out.begin(), out.end(),
            [](const Chunk* a, const Chunk* b) { return a->prov->tag.name < b->prov->tag.name; });
  return out;
}

// `git tag -a NAME TARGET -m MESSAGE` at `time` (the tagger is the committer identity).
void AnnotatedTag(const TempGitRepo& repo, const std::string& name, const std::string& target,
                  const std::string& message, int64_t time) {
  repo.Git("tag -a " + ShellQuote(name) + " " + target + " -m " + ShellQuote(message), time);
}

TEST(GitTags, AnnotatedTagMessageIsScannedOnceWithTheTagAndItsCommit) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string commit = repo.Commit("first", 1600000000);
  AnnotatedTag(repo, "v1.0", commit, std::string("release notes\n\ndeploy key ") + kAwsKey + "\n", 1600000500);
  repo.Git("update-ref refs/tags/also-v1.0 refs/tags/v1.0");  // a second ref to the same tag object
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto tags = TagMessages(chunks);
  ASSERT_EQ(tags.size(), 1u) << "one tag object, however many refs lead to it";
  EXPECT_NE(tags[0]->data.find(kAwsKey), std::string::npos);
  EXPECT_EQ(&chunks.back(), tags[0]) << "tag messages come after the blobs and commit messages";
  const Provenance& p = *tags[0]->prov;
  EXPECT_EQ(p.path, repo.path());
  EXPECT_EQ(p.tag.name, "also-v1.0") << "the first ref by name";
  EXPECT_EQ(p.tag.id, repo.Git("rev-parse refs/tags/v1.0"));
  EXPECT_NE(p.tag.id, commit);
  EXPECT_EQ(p.tag.tagger_name, "Ada Lovelace");
  EXPECT_EQ(p.tag.tagger_email, "ada@example.com");
  EXPECT_EQ(p.tag.time, 1600000500);
  EXPECT_EQ(p.tag.target, commit);
  EXPECT_EQ(p.tag.target_type, "commit");
  EXPECT_EQ(p.DisplayName(), "tag also-v1.0 message");
  EXPECT_EQ(stats.counters()["tag messages scanned"], 1u);
  EXPECT_EQ(stats.errors().size(), 0u);
}

TEST(GitTags, LightweightTagsAddNothing) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string commit = repo.Commit("first", 1600000000);
  ScanStats before_stats;
  const size_t before = ScanHistory(repo, &before_stats).size();
  repo.Git("tag v1 " + commit);
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  EXPECT_TRUE(TagMessages(chunks).empty());
  EXPECT_EQ(chunks.size(), before);
  EXPECT_EQ(stats.counters().count("tag messages scanned"), 0u);
}

TEST(GitTags, TagsOfTagsAreEachScannedOnceAndPeelToTheCommit) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string commit = repo.Commit("first", 1600000000);
  AnnotatedTag(repo, "inner", commit, std::string("inner ") + kAwsKey, 1600000100);
  AnnotatedTag(repo, "outer", "inner", std::string("outer ") + kAwsKey2, 1600000200);
  const std::string inner_id = repo.Git("rev-parse refs/tags/inner");
  repo.Git("update-ref -d refs/tags/inner");  // now reached only through the outer tag
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto tags = TagMessages(chunks);
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0]->prov->tag.name, "inner") << "named by the tag object itself";
  EXPECT_EQ(tags[0]->prov->tag.id, inner_id);
  EXPECT_NE(tags[0]->data.find(kAwsKey), std::string::npos);
  EXPECT_EQ(tags[1]->prov->tag.name, "outer");
  EXPECT_NE(tags[1]->data.find(kAwsKey2), std::string::npos);
  for (const Chunk* t : tags) EXPECT_EQ(t->prov->tag.target, commit) << t->prov->tag.name;
  EXPECT_EQ(stats.counters()["tag messages scanned"], 2u);
}

TEST(GitTags, ScanMessagesOffSkipsTagMessages) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  AnnotatedTag(repo, "v1", repo.Commit("first"), std::string("key ") + kAwsKey, 1600000100);
  git::GitSourceOptions o;
  o.scan_messages = false;
  ScanStats stats;
  EXPECT_TRUE(TagMessages(ScanHistory(repo, &stats, o)).empty());
}

TEST(GitTags, RangeScansOnlyTagsPointingIntoTheRange) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string c1 = repo.Commit("one", 1600000000);
  repo.Write("a.txt", "b\n");
  const std::string c2 = repo.Commit("two", 1600000100);
  AnnotatedTag(repo, "old", c1, std::string("old ") + kAwsKey, 1600000200);
  AnnotatedTag(repo, "new", c2, std::string("new ") + kAwsKey2, 1600000300);
  repo.Git("tag -a tree-tag " + c2 + "^{tree} -m 'a tag of a tree'", 1600000400);
  git::GitSourceOptions o;
  o.history.range = c1 + ".." + c2;
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats, o);
  auto tags = TagMessages(chunks);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0]->prov->tag.name, "new");

  ScanStats full_stats;
  auto all_chunks = ScanHistory(repo, &full_stats);
  auto all = TagMessages(all_chunks);
  ASSERT_EQ(all.size(), 3u) << "a full scan reads every tag";
  EXPECT_EQ(all[2]->prov->tag.name, "tree-tag");
  EXPECT_EQ(all[2]->prov->tag.target_type, "tree");
}

TEST(GitTags, AllObjectsFindsTheMessagesOfDeletedTags) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  AnnotatedTag(repo, "gone", repo.Commit("first"), std::string("key ") + kAwsKey, 1600000100);
  repo.Git("tag -d gone");
  ScanStats stats;
  EXPECT_TRUE(TagMessages(ScanHistory(repo, &stats)).empty());
  git::GitSourceOptions o;
  o.history.all_objects = true;
  ScanStats all_stats;
  auto chunks = ScanHistory(repo, &all_stats, o);
  auto tags = TagMessages(chunks);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0]->prov->tag.name, "gone");
  EXPECT_NE(tags[0]->data.find(kAwsKey), std::string::npos);
}

TEST(GitTags, MalformedTagIsReportedByNameAndTheScanGoesOn) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string commit = repo.Commit("first", 1600000000);
  AnnotatedTag(repo, "good", commit, std::string("key ") + kAwsKey, 1600000100);
  repo.Write(".git/not-a-tag", "not a tag object\n");
  const std::string bad = repo.Git("hash-object -t tag --literally -w .git/not-a-tag");
  repo.Write(".git/refs/tags/broken", bad + "\n");  // update-ref refuses a ref to a malformed tag
  ScanStats stats;
  stats.set_quiet(true);
  auto chunks = ScanHistory(repo, &stats);
  auto tags = TagMessages(chunks);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0]->prov->tag.name, "good");
  EXPECT_EQ(stats.errors()["unreadable tag"], 1u);
  bool named = false;
  for (const std::string& m : stats.error_messages()) {
    if (m.find("tag broken") != std::string::npos && m.find(bad) != std::string::npos) named = true;
  }
  EXPECT_TRUE(named) << "the error names the tag and its object";
}

// End to end through the CLI.
class GitTagCli : public ::testing::Test {
 protected:
  testing::RunResult Keysweep(std::vector<std::string> extra, const std::string& format = "json") {
    std::vector<std::string> args = {"git", "--no-builtin-rules", "--rules", rules_,
                                     "--format", format, "--no-redact", "--cache-dir", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunKeysweep(args);
  }
  // A commit and an annotated tag `v1` on it whose message holds the secret.
  void TagWithSecret() {
    repo_.Write("README.md", "hello\n");
    commit_ = repo_.Commit("first", 1600000000);
    AnnotatedTag(repo_, "v1", commit_, std::string("v1\n\nrollout token: ") + testing::kAcmeSecret + "\n",
                 1600000500);
    tag_id_ = repo_.Git("rev-parse refs/tags/v1");
  }
  testing::TempDir dir_;
  std::string rules_ = dir_.Write("acme.toml", testing::kAcmeRuleToml);
  TempGitRepo repo_;
  std::string commit_, tag_id_;
};

TEST_F(GitTagCli, TagMessageFindingNamesTheTagTaggerAndCommitInJson) {
  TagWithSecret();
  auto r = Keysweep({repo_.path()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find(testing::kAcmeSecret), std::string::npos) << r.out;
  const std::string occurrence =
      "{\"source\":\"git-tag-message\",\"repository\":\"" + repo_.path() + "\",\"tag\":\"v1\",\"tag_object\":\"" +
      tag_id_ + "\",\"tagger\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"date\":\"2020-09-13T12:35:00Z\"," +
      "\"commit\":\"" + commit_ + "\",\"line\":3,\"column\":16,";
  EXPECT_NE(r.out.find(occurrence), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"first_seen\":\"2020-09-13T12:35:00Z\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"tag messages scanned\":1"), std::string::npos) << r.out;

  auto jsonl = Keysweep({repo_.path()}, "jsonl");
  EXPECT_NE(jsonl.out.find(occurrence), std::string::npos) << jsonl.out;
}

TEST_F(GitTagCli, LightweightTagBesideAnAnnotatedOneAddsNothing) {
  TagWithSecret();
  repo_.Git("tag light " + commit_);  // a ref straight to the commit: no message
  auto r = Keysweep({repo_.path()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"occurrence_count\":1,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"tag\":\"v1\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"tag\":\"light\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"tag messages scanned\":1}"), std::string::npos) << r.out;
}

TEST_F(GitTagCli, SecretInABlobAndATagMessageIsOneFindingWithTwoLocations) {
  repo_.Write("deploy.env", std::string("TOKEN=") + testing::kAcmeSecret + "\n");
  const std::string commit = repo_.Commit("deploy config", 1600000000);
  AnnotatedTag(repo_, "release-1", commit, std::string("uses ") + testing::kAcmeSecret, 1600000500);
  auto r = Keysweep({repo_.path()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  size_t findings = 0;
  for (size_t at = r.out.find("\"rule_id\":"); at != std::string::npos; at = r.out.find("\"rule_id\":", at + 1)) {
    ++findings;
  }
  EXPECT_EQ(findings, 1u) << r.out;
  EXPECT_NE(r.out.find("\"occurrence_count\":2,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"source\":\"git\","), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"source\":\"git-tag-message\","), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"first_seen\":\"2020-09-13T12:26:40Z\""), std::string::npos)
      << "the blob's commit is older than the tag: " << r.out;
}

TEST_F(GitTagCli, EveryFormatShowsTheTag) {
  TagWithSecret();
  auto text = Keysweep({repo_.path()}, "text");
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_NE(text.out.find("tag v1 message:3:16  tagger Ada Lovelace <ada@example.com> 2020-09-13T12:35:00Z"
                          " on commit " + commit_.substr(0, 12)),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.err.find("1 tag messages scanned"), std::string::npos) << text.err;

  auto sarif = Keysweep({repo_.path()}, "sarif");
  EXPECT_NE(sarif.out.find("\"artifactLocation\":{\"uri\":\"TAG_MSG/v1\"}"), std::string::npos) << sarif.out;
  EXPECT_NE(sarif.out.find("\"commit\":\"" + commit_ + "\",\"tag\":\"v1\",\"tagObject\":\"" + tag_id_ +
                           "\",\"tagger\":\"Ada Lovelace\",\"email\":\"ada@example.com\""),
            std::string::npos)
      << sarif.out;

  auto github = Keysweep({repo_.path()}, "github");
  EXPECT_NE(github.out.find("::error file=TAG_MSG/v1,line=3,col=16,"), std::string::npos) << github.out;
  EXPECT_NE(github.out.find("in tag v1 on commit " + commit_.substr(0, 12)), std::string::npos) << github.out;

  auto junit = Keysweep({repo_.path()}, "junit");
  EXPECT_NE(junit.out.find("name=\"TAG_MSG/v1:3:16\""), std::string::npos) << junit.out;
}

TEST_F(GitTagCli, RangeReportsTagsOnItsCommitsOnly) {
  TagWithSecret();
  repo_.Write("README.md", "hello again\n");
  const std::string c2 = repo_.Commit("second", 1600000100);
  auto outside = Keysweep({repo_.path(), "--range", commit_ + ".." + c2});
  EXPECT_EQ(outside.exit_code, 0) << "v1 tags a commit before the range: " << outside.out << outside.err;
  AnnotatedTag(repo_, "v2", c2, std::string("again ") + testing::kAcmeSecret, 1600000600);
  auto inside = Keysweep({repo_.path(), "--since-commit", commit_});
  EXPECT_EQ(inside.exit_code, 1) << inside.err;
  EXPECT_NE(inside.out.find("\"tag\":\"v2\""), std::string::npos) << inside.out;
  EXPECT_EQ(inside.out.find("\"tag\":\"v1\""), std::string::npos) << inside.out;
}

}  // namespace
}  // namespace keysweep
