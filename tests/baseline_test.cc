// Baselines and CI report formats, end to end through the binary.
#include <simdjson.h>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::TempDir;

constexpr const char* kRule = testing::kAcmeRuleToml;
constexpr const char* kOld = testing::kAcmeSecret;
constexpr char kNew[] = "acme_Nn3Lm9Xw2Rt7Yp4Kd8Vn1Bc6";

struct Repo {
  TempDir dir;
  std::string rules, tree;
  Repo() {
    rules = dir.Write("rules.toml", kRule);
    tree = (dir.path() / "tree").string();
    dir.Write("tree/a.py", std::string("K = '") + kOld + "'\n");
  }
  testing::RunResult Run(const std::string& cmd, std::vector<std::string> extra) const {
    std::vector<std::string> a;
    if (cmd == "create" || cmd == "prune") a = {"baseline", cmd};
    else a = {cmd};
    for (auto x : {"--no-builtin-rules", "--rules"}) a.push_back(x);
    a.push_back(rules);
    a.insert(a.end(), extra.begin(), extra.end());
    return RunKeysweep(a);
  }
};

TEST(Baseline, HidesKnownFindingsAcrossMovesAndCountsThem) {
  Repo r;
  auto created = r.Run("create", {r.tree});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out.find(kOld), std::string::npos) << "a baseline must not store secrets";
  EXPECT_NE(created.out.find("\"rule_id\": \"acme-token\""), std::string::npos) << created.out;
  const std::string baseline = r.dir.Write("baseline.json", created.out);

  auto hidden = r.Run("scan", {"--baseline", baseline, r.tree});
  EXPECT_EQ(hidden.exit_code, 0) << hidden.out << hidden.err;
  EXPECT_NE(hidden.err.find("1 suppressed: baseline"), std::string::npos) << hidden.err;

  // Moved to another file (as after a squash-merge or a rename): still known.
  std::filesystem::rename(r.dir.path() / "tree/a.py", r.dir.path() / "tree/moved.cfg");
  EXPECT_EQ(r.Run("scan", {"--baseline", baseline, r.tree}).exit_code, 0);

  // A new secret is still reported.
  r.dir.Write("tree/b.py", std::string("K2 = '") + kNew + "'\n");
  auto fresh = r.Run("scan", {"--baseline", baseline, "--format", "jsonl", "--no-redact", r.tree});
  EXPECT_EQ(fresh.exit_code, 1);
  EXPECT_NE(fresh.out.find(kNew), std::string::npos);
  EXPECT_EQ(fresh.out.find(kOld), std::string::npos);

  // Prune: once the old secret is gone, its entry goes.
  std::filesystem::remove(r.dir.path() / "tree/moved.cfg");
  auto pruned = r.Run("prune", {"--baseline", baseline, r.tree});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_EQ(pruned.out.find("acme-token"), std::string::npos) << pruned.out;
  EXPECT_NE(pruned.err.find("kept 0 of 1"), std::string::npos) << pruned.err;

  const std::string broken = r.dir.Write("broken.json", "{\"entries\": [{\"fingerprint\": \"abc\"}]}");
  auto bad = r.Run("scan", {"--baseline", broken, r.tree});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("broken.json"), std::string::npos);
}

TEST(CiFormats, SarifHasOneRulePerIdAndResultsWithFingerprints) {
  Repo r;
  r.dir.Write("tree/sub/c.env", std::string("X=") + kOld + "\nY=" + kNew + "\n");
  auto s = r.Run("scan", {"--format", "sarif", r.tree});
  ASSERT_EQ(s.exit_code, 1) << s.err;
  EXPECT_EQ(s.out.find(kOld), std::string::npos) << "SARIF messages are redacted";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(s.out).get(root)) << s.out;
  EXPECT_EQ(std::string_view(root["version"]), "2.1.0");
  auto run = root["runs"].at(0);
  simdjson::dom::array rules = run["tool"]["driver"]["rules"];
  EXPECT_EQ(rules.size(), 1u);  // two findings of one rule: one descriptor
  simdjson::dom::array results = run["results"];
  EXPECT_EQ(results.size(), 3u);  // three occurrences
  for (auto res : results) {
    EXPECT_EQ(std::string_view(res["ruleId"]), "acme-token");
    EXPECT_EQ(int64_t(res["ruleIndex"]), 0);
    std::string_view fp = res["partialFingerprints"]["keysweepFingerprint/v1"];
    EXPECT_EQ(fp.size(), 64u);
    auto region = res["locations"].at(0)["physicalLocation"]["region"];
    EXPECT_GE(int64_t(region["startLine"]), 1);
    EXPECT_GE(int64_t(region["startColumn"]), 1);
  }
}

TEST(CiFormats, GithubAnnotationsAndJunit) {
  Repo r;
  auto gh = r.Run("scan", {"--format", "github", r.tree});
  EXPECT_EQ(gh.exit_code, 1);
  EXPECT_EQ(gh.out.rfind("::error file=", 0), 0u) << gh.out;
  EXPECT_NE(gh.out.find(",line=1,col=6,"), std::string::npos) << gh.out;
  EXPECT_NE(gh.out.find("title=keysweep%3A acme-token::"), std::string::npos) << gh.out;
  EXPECT_EQ(gh.out.find(kOld), std::string::npos);

  auto ju = r.Run("scan", {"--format", "junit", r.tree});
  EXPECT_EQ(ju.exit_code, 1);
  EXPECT_NE(ju.out.find("<testsuites name=\"keysweep\" tests=\"1\" failures=\"1\">"), std::string::npos) << ju.out;
  EXPECT_NE(ju.out.find("<failure type=\"acme-token\""), std::string::npos);
  std::filesystem::remove(r.dir.path() / "tree/a.py");
  auto clean = r.Run("scan", {"--format", "junit", r.tree});
  EXPECT_EQ(clean.exit_code, 0);
  EXPECT_NE(clean.out.find("failures=\"0\""), std::string::npos) << clean.out;
}

}  // namespace
}  // namespace keysweep
