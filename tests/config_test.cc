#include "engine/config.h"

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::TempDir;

TEST(Config, GlobMatchesWholePathOrAnySuffixAfterSlash) {
  EXPECT_TRUE(GlobMatchPath("tests/**", "tests/fixtures/a.py"));
  EXPECT_TRUE(GlobMatchPath("tests/**", "./tests/a.py"));
  EXPECT_TRUE(GlobMatchPath("tests/**", "/abs/repo/tests/a.py"));
  EXPECT_TRUE(GlobMatchPath("*.lock", "deep/dir/Cargo.lock"));
  EXPECT_TRUE(GlobMatchPath("a?c.txt", "x/abc.txt"));
  EXPECT_FALSE(GlobMatchPath("tests/**", "src/contests/a.py"));
  EXPECT_FALSE(GlobMatchPath("*.lock", "lockfile.txt"));
}

TEST(Config, ParseErrorsNameFileAndKey) {
  auto bad_section = ParseConfig("[scna]\nformat='json'\n", "k.toml");
  ASSERT_FALSE(bad_section.ok());
  EXPECT_NE(bad_section.status().message().find("k.toml: unknown section or key 'scna'"), std::string::npos);
  auto bad_regex = ParseConfig("[allowlist]\nsecrets = ['(unclosed']\n", "k.toml");
  ASSERT_TRUE(bad_regex.ok());
  auto allow = ConfigAllowlist::Create(*bad_regex);
  ASSERT_FALSE(allow.ok());
  EXPECT_NE(allow.status().message().find("(unclosed"), std::string::npos);
  auto bad_size = ParseConfig("[scan]\nmax_file_size = 'lots'\n", "k.toml");
  EXPECT_FALSE(bad_size.ok());
}

TEST(Config, OverridesAndAllowlists) {
  auto c = ParseConfig(R"(
[allowlist]
paths = ["fixtures/**"]
secrets = ['^tok_TEST']
stopwords = ["dummy"]
[override.tok]
min_entropy = 4.5
allow_paths = ["docs/*"]
)", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  auto a = ConfigAllowlist::Create(*c);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->Allowed("tok", "tok_live", "fixtures/x.py"), "allowlisted path");
  EXPECT_EQ(a->Allowed("tok", "tok_TESTabc", "src/x.py"), "allowlisted secret");
  EXPECT_EQ(a->Allowed("tok", "tok_DUMMYabc", "src/x.py"), "allowlisted stop-word");
  EXPECT_EQ(a->Allowed("tok", "tok_live", "docs/readme.md"), "allowlisted path");
  EXPECT_EQ(a->Allowed("other", "tok_live", "docs/readme.md"), "");
  EXPECT_EQ(a->Allowed("tok", "tok_live", "src/x.py"), "");
  std::vector<Rule> rules(1);
  rules[0].id = "tok";
  ASSERT_TRUE(ApplyOverrides(*c, &rules).ok());
  EXPECT_DOUBLE_EQ(rules[0].min_entropy, 4.5);
  rules[0].id = "renamed";
  EXPECT_FALSE(ApplyOverrides(*c, &rules).ok());
}

TEST(Config, EndToEndFromWorkingDirectory) {
  TempDir d;
  const std::string secret = "zz_Q8fK2mXp4Lr7Tn1Vb6Yc3w";
  d.Write(".keysweep.toml", R"(
[scan]
format = "jsonl"
exit_code = 3
[rules]
disable = []
[allowlist]
paths = ["fixtures/**"]

[[rule]]
id = "zz-token"
name = "ZZ token"
category = "saas"
pattern = '''\b(zz_[A-Za-z0-9]{22})\b'''
)");
  d.Write("src/app.py", "k = '" + secret + "'\n");
  d.Write("fixtures/sample.py", "k = '" + secret + "'\n");
  auto r = RunKeysweep({"scan", "--no-builtin-rules", "."}, "", d.path().string());
  EXPECT_EQ(r.exit_code, 3) << r.err;  // exit code from the config
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // jsonl from the config
  EXPECT_NE(r.out.find("\"occurrence_count\":1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("app.py"), std::string::npos);
  EXPECT_NE(r.err.find("1 suppressed: allowlisted path"), std::string::npos) << r.err;
  // The command line beats the config; --no-config ignores it.
  auto text = RunKeysweep({"scan", "--no-builtin-rules", "--format", "text", "--exit-code", "1", "."}, "", d.path().string());
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("ZZ token"), std::string::npos);
  auto none = RunKeysweep({"scan", "--no-builtin-rules", "--no-config", "--rules", d.Write("r.toml",
      "provider='x'\n[[rule]]\nid='other'\npattern='nomatch_[0-9]{30}'\n"), "."}, "", d.path().string());
  EXPECT_EQ(none.exit_code, 0) << none.err;
}

}  // namespace
}  // namespace keysweep

namespace keysweep {
namespace {

// Settings from the config reach the sources, not only the report (the source is made after the
// config is resolved).
TEST(Config, ScanSizeCapFromConfigReachesTheSource) {
  testing::TempDir d;
  d.Write(".keysweep.toml", "[scan]\nmax_file_size = \"1k\"\n");
  d.Write("big.txt", std::string(4000, 'x') + "\n" + testing::kAcmeSecret + "\n");
  const std::string rules = d.Write("r/acme.toml", testing::kAcmeRuleToml);
  auto r = testing::RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "big.txt"}, "", d.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("1 too large"), std::string::npos) << r.err;
  auto cli = testing::RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "--max-file-size", "1M", "big.txt"},
                                  "", d.path().string());
  EXPECT_EQ(cli.exit_code, 1) << cli.err;  // the command line beats the config
}

}  // namespace
}  // namespace keysweep
