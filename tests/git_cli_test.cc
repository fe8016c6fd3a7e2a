// End-to-end runs of `keysweep git` on repositories built in the test.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/git_test_util.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::TempGitRepo;

// A rule of our own, so the tests do not depend on the built-in rule set.
constexpr const char* kRule = testing::kAcmeRuleToml;
constexpr const char* kOld = testing::kAcmeSecret;
constexpr char kNew[] = "acme_Hh8Gf7Dd6Ss5Aa4Qq3Ww2EeR";

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

class GitCli : public ::testing::Test {
 protected:
  testing::RunResult Keysweep(std::vector<std::string> extra) {
    std::vector<std::string> args = {"git", "--no-builtin-rules", "--rules", rules_,
                                     "--format", "json", "--no-redact", "--cache-dir", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunKeysweep(args);
  }
  testing::TempDir dir_;
  std::string rules_ = dir_.Write("acme.toml", kRule);
  TempGitRepo repo_;
};

TEST_F(GitCli, SameSecretInThreeCommitsAndTwoFilesIsOneFindingWithEveryOccurrence) {
  repo_.Write("a.py", std::string("TOKEN = '") + kOld + "'\n");
  const std::string c1 = repo_.Commit("one", 1600000000);
  repo_.Write("b/c.yml", std::string("token: ") + kOld + "\n");
  const std::string c2 = repo_.Commit("two", 1600000100);
  repo_.Write("a.py", std::string("# config\nTOKEN = '") + kOld + "'\n");
  const std::string c3 = repo_.Commit("three", 1600000200);
  repo_.Write("a.py", "TOKEN = env()\n");
  repo_.Git("rm -q b/c.yml");
  repo_.Commit("remove it everywhere", 1600000300);

  auto r = Keysweep({repo_.path()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Count(r.out, "\"rule_id\":"), 1u) << r.out;
  EXPECT_NE(r.out.find("\"occurrence_count\":3"), std::string::npos) << r.out;
  for (const std::string& c : {c1, c2, c3}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
  EXPECT_NE(r.out.find("\"path\":\"b/c.yml\""), std::string::npos);
  EXPECT_NE(r.out.find("\"line\":2"), std::string::npos) << "c3's a.py has it on line 2";
  EXPECT_NE(r.out.find("\"date\":\"2020-09-13T12:26:40Z\""), std::string::npos) << r.out;
}

TEST_F(GitCli, SinceCommitAndRangeReportOnlyFindingsIntroducedThere) {
  repo_.Write("app.env", std::string("A=") + kOld + "\n");
  const std::string c1 = repo_.Commit("old secret", 1600000000);
  repo_.Write("app.env", std::string("A=") + kOld + "\nB=" + kNew + "\n");
  const std::string c2 = repo_.Commit("new secret", 1600000100);

  auto since = Keysweep({repo_.path(), "--since-commit", c1});
  EXPECT_EQ(since.exit_code, 1) << since.err;
  EXPECT_NE(since.out.find(kNew), std::string::npos);
  EXPECT_EQ(since.out.find(kOld), std::string::npos) << "kOld was introduced before the range";

  auto range = Keysweep({repo_.path(), "--range", c1 + ".." + c2});
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_EQ(Count(range.out, "\"rule_id\":"), 1u);

  auto empty = Keysweep({repo_.path(), "--range", c2 + ".." + c2});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  auto all = Keysweep({repo_.path()});
  EXPECT_EQ(Count(all.out, "\"rule_id\":"), 2u);
}

TEST_F(GitCli, StagedReportsAddedLinesOnly) {
  repo_.Write("app.env", std::string("A=") + kOld + "\n");
  auto first = Keysweep({repo_.path(), "--staged"});
  EXPECT_EQ(first.exit_code, 0) << "nothing staged yet: " << first.out << first.err;
  repo_.Git("add app.env");
  auto unborn = Keysweep({repo_.path(), "--staged"});
  EXPECT_EQ(unborn.exit_code, 1) << "before the first commit everything staged is added: " << unborn.err;
  EXPECT_NE(unborn.out.find(kOld), std::string::npos);
  repo_.Commit("base");

  repo_.Write("app.env", std::string("A=") + kOld + "\nB=" + kNew + "\n");
  repo_.Git("add app.env");
  auto r = Keysweep({repo_.path(), "--staged"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Count(r.out, "\"rule_id\":"), 1u) << r.out;
  EXPECT_NE(r.out.find(kNew), std::string::npos);
  EXPECT_NE(r.out.find("\"source\":\"git-staged\""), std::string::npos);
  EXPECT_NE(r.out.find("\"path\":\"app.env\""), std::string::npos);
  EXPECT_NE(r.out.find("\"line\":2"), std::string::npos);
}

TEST_F(GitCli, BadInputGivesClearErrors) {
  testing::TempDir not_repo;
  auto r = Keysweep({not_repo.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a git repository"), std::string::npos) << r.err;

  auto flag = Keysweep({repo_.path(), "--no-such-flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--no-such-flag"), std::string::npos);

  auto both = Keysweep({repo_.path(), "--staged", "--range", "a..b"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos);

  auto bad_range = Keysweep({repo_.path(), "--range", "nothing"});
  EXPECT_EQ(bad_range.exit_code, 2);

  auto empty = Keysweep({repo_.path()});
  EXPECT_EQ(empty.exit_code, 0) << "an empty repository is clean, not an error: " << empty.err;
  EXPECT_NE(empty.err.find("nothing to scan"), std::string::npos) << empty.err;
}

}  // namespace
}  // namespace keysweep
