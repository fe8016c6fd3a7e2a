// A baseline survives a squash-merge: its entries are fingerprints of (rule, secret), not places.
#include "gtest/gtest.h"
#include "tests/git_test_util.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

TEST(BaselineGit, SurvivesASquashMerge) {
  testing::TempGitRepo repo;
  testing::TempDir d;
  const std::string rules = d.Write("acme.toml", testing::kAcmeRuleToml);
  repo.Write("README", "hello\n");
  repo.Commit("init", 1700000000);
  repo.Git("checkout -q -b feature");
  repo.Write("cfg/app.env", std::string("ACME=") + testing::kAcmeSecret + "\n");
  repo.Commit("add config", 1700000100);
  repo.Write("cfg/app.env", std::string("# accepted test credential\nACME=") + testing::kAcmeSecret + "\n");
  repo.Commit("comment", 1700000200);

  // The baseline is made on the feature branch's work tree.
  auto base = testing::RunKeysweep({"baseline", "create", "--no-builtin-rules", "--rules", rules, repo.path()});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  const std::string baseline = d.Write("baseline.json", base.out);

  // Squash-merge into the default branch and drop the feature branch: new commits, new blobs.
  repo.Git("checkout -q -");
  repo.Git("merge -q --squash feature");
  repo.Git("commit -q -m squashed", 1700000300);
  repo.Git("branch -q -D feature");
  repo.Git("gc -q --prune=now");

  const std::vector<std::string> scan = {"git", "--no-builtin-rules", "--rules", rules, repo.path()};
  auto without = testing::RunKeysweep(scan);
  ASSERT_EQ(without.exit_code, 1) << without.err;  // the secret is in history
  std::vector<std::string> with = scan;
  with.insert(with.end(), {"--baseline", baseline});
  auto hidden = testing::RunKeysweep(with);
  EXPECT_EQ(hidden.exit_code, 0) << hidden.out << hidden.err;
  EXPECT_NE(hidden.err.find("1 suppressed: baseline"), std::string::npos) << hidden.err;
}

}  // namespace
}  // namespace keysweep
