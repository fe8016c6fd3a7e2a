// first_seen: the earliest commit that introduced a finding's secret anywhere in history.
#include "gtest/gtest.h"
#include "tests/git_test_util.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

TEST(FirstSeen, IsTheEarliestIntroductionAcrossPlaces) {
  testing::TempGitRepo repo;
  testing::TempDir d;
  const std::string rules = d.Write("acme.toml", testing::kAcmeRuleToml);
  const std::string secret = testing::kAcmeSecret;
  repo.Write("b.py", "k = '" + secret + "'\n");
  repo.Git("add b.py");
  repo.Git("commit -q -m later-path-first", 1700000000);   // 2023-11-14T22:13:20Z
  repo.Write("a.py", "K = '" + secret + "'\n");
  repo.Git("add a.py");
  repo.Git("commit -q -m second", 1700003600);
  auto r = testing::RunKeysweep({"git", "--no-builtin-rules", "--rules", rules, "--format", "json", repo.path()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"first_seen\":\"2023-11-14T22:13:20Z\""), std::string::npos) << r.out;
  auto text = testing::RunKeysweep({"git", "--no-builtin-rules", "--rules", rules, repo.path()});
  EXPECT_NE(text.out.find("first seen:  2023-11-14T22:13:20Z"), std::string::npos) << text.out;
  // Plain files have no commit history: no first_seen.
  auto files = testing::RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "--format", "json", repo.path()});
  EXPECT_EQ(files.out.find("first_seen"), std::string::npos);
}

}  // namespace
}  // namespace keysweep
