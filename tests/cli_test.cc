// End-to-end runs of the keysweep binary on temporary trees.
#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::TempDir;

// A rule file of our own, so these tests do not depend on the built-in rule set.
constexpr const char* kRule = testing::kAcmeRuleToml;
constexpr const char* kSecret = testing::kAcmeSecret;

struct Tree {
  TempDir dir;
  std::string rules;
  Tree() { rules = dir.Write("rules/acme.toml", kRule); }
  std::vector<std::string> Args(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"scan", "--no-builtin-rules", "--rules", rules};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(Cli, VersionAndHelp) {
  auto v = RunKeysweep({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("keysweep "), std::string::npos);
  for (const char* cmd : {"scan", "rules", "git", "warc"}) {
    auto h = RunKeysweep({cmd, "--help"});
    EXPECT_EQ(h.exit_code, 0) << cmd;
    EXPECT_NE(h.out.find("Usage: keysweep"), std::string::npos) << cmd << ": " << h.out;
  }
  auto top = RunKeysweep({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Exit codes"), std::string::npos);
}

TEST(Cli, CleanTreeExitsZero) {
  Tree t;
  t.dir.Write("src/a.py", "print('hello')\n");
  auto r = RunKeysweep(t.Args({(t.dir.path() / "src").string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("scanned 1 objects"), std::string::npos) << r.err;
}

TEST(Cli, FindingsAreDedupedRedactedAndExitOne) {
  Tree t;
  t.dir.Write("src/a.py", std::string("import os\nKEY = \"") + kSecret + "\"\n");
  t.dir.Write("src/deep/b.env", std::string("ACME=") + kSecret + "\n");
  t.dir.Write("src/.git/config", std::string("token=") + kSecret + "\n");  // skipped
  auto r = RunKeysweep(t.Args({"--format", "json", (t.dir.path() / "src").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find(kSecret), std::string::npos) << "secret leaked into output";
  EXPECT_NE(r.out.find("\"secret\":\"acme*****\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"occurrence_count\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"line\":2,\"column\":8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.env\",\"line\":1,\"column\":6"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\".git folder\":1"), std::string::npos) << r.out;
  // One finding, so exactly one fingerprint.
  EXPECT_EQ(r.out.find("fingerprint", r.out.find("fingerprint") + 1), std::string::npos);

  auto plain = RunKeysweep(t.Args({"--no-redact", "--format", "jsonl", (t.dir.path() / "src").string()}));
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find(kSecret), std::string::npos);
  EXPECT_EQ(std::count(plain.out.begin(), plain.out.end(), '\n'), 1);

  auto text = RunKeysweep(t.Args({(t.dir.path() / "src").string()}));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("Acme token"), std::string::npos);
  EXPECT_NE(text.out.find("a.py:2:8"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find(kSecret), std::string::npos);
  EXPECT_EQ(text.out.find("\033["), std::string::npos) << "colour when not a terminal";
  EXPECT_EQ(text.err.find(kSecret), std::string::npos);

  auto code = RunKeysweep(t.Args({"--exit-code", "7", (t.dir.path() / "src").string()}));
  EXPECT_EQ(code.exit_code, 7);
}

TEST(Cli, StdinIsScanned) {
  Tree t;
  auto r = RunKeysweep(t.Args({"--format", "jsonl", "-"}), std::string("x\ny ") + kSecret + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"source\":\"stdin\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"line\":2,\"column\":3"), std::string::npos) << r.out;
}

TEST(Cli, SkipsAreCountedAndLargeFilesStream) {
  Tree t;
  t.dir.Write("tree/bin.dat", std::string("\0\1\2", 3) + kSecret);
  t.dir.Write("tree/big.txt", std::string(3000, 'x') + "\n" + kSecret + "\n");
  // A multi-megabyte file with the secret near the end: streamed in chunks, line still exact.
  std::string huge;
  for (int i = 0; i < 60000; ++i) huge += "some ordinary line of text number " + std::to_string(i) + "\n";
  huge += std::string("tail ") + kSecret + "\n";
  t.dir.Write("tree/huge.log", huge);
  auto r = RunKeysweep(t.Args({"--format", "json", "--max-file-size", "2k", (t.dir.path() / "tree").string()}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // everything skipped: binary + too large
  EXPECT_NE(r.out.find("\"binary\":1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"too large\":2"), std::string::npos) << r.out;

  auto all = RunKeysweep(t.Args({"--format", "json", "--include-binary", (t.dir.path() / "tree").string()}));
  EXPECT_EQ(all.exit_code, 1);
  EXPECT_NE(all.out.find("\"occurrence_count\":3"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("huge.log\",\"line\":60001,\"column\":6"), std::string::npos) << all.out;
}

TEST(Cli, UnreadableInputIsReportedAndScanGoesOn) {
  Tree t;
  t.dir.Write("d/ok.txt", std::string("k=") + kSecret + "\n");
  auto missing = (t.dir.path() / "nope.txt").string();
  auto r = RunKeysweep(t.Args({missing, (t.dir.path() / "d").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nope.txt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 unreadable"), std::string::npos) << r.err;
  // Nothing scannable at all: exit 2.
  auto only_missing = RunKeysweep(t.Args({missing}));
  EXPECT_EQ(only_missing.exit_code, 2);
}

TEST(Cli, UsageAndRuleErrorsExitTwo) {
  Tree t;
  EXPECT_EQ(RunKeysweep({"scan", "--bogus", "."}).exit_code, 2);
  EXPECT_EQ(RunKeysweep({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunKeysweep({"scan", "--format", "xml", "."}).exit_code, 2);
  auto bad = t.dir.Write("bad.toml", "provider = \"x\"\n[[rule]]\nid = \"bad-one\"\npattern = '''a(?=b)'''\n");
  auto r = RunKeysweep({"scan", "--rules", bad, t.dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad-one"), std::string::npos) << r.err;
  auto unknown = RunKeysweep(t.Args({"--only-rules", "no-such-rule", t.dir.path().string()}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no-such-rule"), std::string::npos);
}

TEST(Cli, RulesCheckAndList) {
  Tree t;
  auto ok = RunKeysweep({"rules", "check", "--rules", t.rules});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("1 rules, 4 examples: all passed"), std::string::npos) << ok.out;
  auto failing = t.dir.Write("fail.toml", R"(
provider = "F"
[[rule]]
id = "f"
pattern = '''\b(f_[0-9]{4})\b'''
references = ["x"]
negative = ['f_1234', 'nothing']
  [[rule.positive]]
  text = 'f_12345'
  secret = 'f_12345'
  [[rule.positive]]
  text = 'f_9999'
  secret = 'f_9999'
)");
  auto bad = RunKeysweep({"rules", "check", "--rules", failing});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("FAIL f"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("positive #1"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("negative #1 matched"), std::string::npos) << bad.out;
  auto list = RunKeysweep({"rules", "list", "--no-builtin-rules", "--rules", t.rules});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("acme-token"), std::string::npos);
  auto stats = RunKeysweep({"rules", "list", "--stats"});
  EXPECT_EQ(stats.exit_code, 0);
  EXPECT_NE(stats.out.find("by category"), std::string::npos);
}

}  // namespace
}  // namespace keysweep

namespace keysweep {
namespace {

TEST(Cli, CategoryAndConfidenceSelection) {
  auto all = testing::RunKeysweep({"rules", "list", "--format", "json"});
  auto ai_high = testing::RunKeysweep({"rules", "list", "--format", "json", "--categories", "ai", "--min-confidence", "high"});
  ASSERT_EQ(ai_high.exit_code, 0) << ai_high.err;
  EXPECT_LT(ai_high.out.size(), all.out.size());
  EXPECT_EQ(ai_high.out.find("\"category\":\"cloud\""), std::string::npos);
  EXPECT_EQ(ai_high.out.find("\"confidence\":\"medium\""), std::string::npos);
  EXPECT_NE(ai_high.out.find("\"category\":\"ai\",\"confidence\":\"high\""), std::string::npos) << ai_high.out;
  EXPECT_EQ(testing::RunKeysweep({"rules", "list", "--min-confidence", "extreme"}).exit_code, 2);
  EXPECT_EQ(testing::RunKeysweep({"rules", "list", "--categories", "nonexistent"}).exit_code, 2);
}

}  // namespace
}  // namespace keysweep
