#include "engine/rules.h"

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

TEST(Rules, ParsesAllFields) {
  auto rules = ParseRuleFile(R"(
provider = "Acme"
[[rule]]
id = "acme-key"
name = "Acme key"
category = "saas"
confidence = "high"
pattern = '''\b(acme_[a-z]{10})\b'''
secret_group = 1
min_entropy = 2.5
keywords = ["ACME_"]
stopwords = ["Example"]
references = ["https://acme.example/docs/keys"]
negative = ['acme_short', 'acme_TOOLONGXXXXXXXXXX']
  [[rule.positive]]
  text = 'k = acme_abcdefghij'
  secret = 'acme_abcdefghij'
)", "acme.toml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 1u);
  const Rule& r = (*rules)[0];
  EXPECT_EQ(r.id, "acme-key");
  EXPECT_EQ(r.provider, "Acme");
  EXPECT_EQ(r.category, "saas");
  EXPECT_EQ(r.confidence, Confidence::kHigh);
  EXPECT_EQ(r.secret_group, 1);
  EXPECT_DOUBLE_EQ(r.min_entropy, 2.5);
  EXPECT_EQ(r.keywords, std::vector<std::string>{"acme_"});      // lower-cased
  EXPECT_EQ(r.stopwords, std::vector<std::string>{"example"});
  ASSERT_EQ(r.positives.size(), 1u);
  EXPECT_EQ(r.positives[0].secret, "acme_abcdefghij");
  EXPECT_EQ(r.negatives.size(), 2u);
  EXPECT_EQ(r.source, "acme.toml");
}

struct BadCase {
  const char* toml;
  const char* expect;  // substring of the error
};

class RulesBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(RulesBad, ErrorNamesFileRuleAndReason) {
  auto rules = ParseRuleFile(GetParam().toml, "bad.toml");
  ASSERT_FALSE(rules.ok());
  const std::string msg(rules.status().message());
  EXPECT_NE(msg.find("bad.toml"), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    All, RulesBad,
    ::testing::Values(
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"a\"\n", "rule 'a': missing 'pattern'"},
        BadCase{"provider = \"x\"\n[[rule]]\npattern = 'x'\n", "missing 'id'"},
        BadCase{"[[rule]]\nid = \"a\"\npattern = 'x'\n", "missing 'provider'"},
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"a\"\npattern = 'x'\ncategory = \"nope\"\n", "unknown category"},
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"a\"\npattern = 'x'\nconfidence = \"sure\"\n", "confidence"},
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"a\"\npattern = 'x'\nvalidate = \"luhn9\"\n", "unknown validator"},
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"a\"\npattern = 'x'\npatern = 'y'\n", "unknown key 'patern'"},
        BadCase{"provider = \"x\"\n[[rule]]\nid = \"A B\"\npattern = 'x'\n", "id must use"},
        BadCase{"provider = \"x\"\n[[rule]\n", "bad.toml:2"}));

TEST(Rules, DuplicateIdsNameBothFiles) {
  auto a = ParseRuleFile("provider = \"x\"\n[[rule]]\nid = \"dup\"\npattern = 'x'\n", "one.toml");
  auto b = ParseRuleFile("provider = \"x\"\n[[rule]]\nid = \"dup\"\npattern = 'y'\n", "two.toml");
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<Rule> all = *a;
  all.push_back((*b)[0]);
  auto s = CheckUniqueIds(all);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("one.toml"), std::string::npos);
  EXPECT_NE(s.message().find("two.toml"), std::string::npos);
}

TEST(Rules, SelectOnlyAndDisable) {
  auto rules = ParseRuleFile(
      "provider = \"x\"\n[[rule]]\nid = \"a\"\npattern = 'a'\n[[rule]]\nid = \"b\"\npattern = 'b'\n"
      "[[rule]]\nid = \"c\"\npattern = 'c'\n", "x.toml");
  ASSERT_TRUE(rules.ok());
  auto only = SelectRules(*rules, {"a", "c"}, {"c"});
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].id, "a");
  EXPECT_FALSE(SelectRules(*rules, {"zzz"}, {}).ok());
}

TEST(Rules, LoadsFolderAndBuiltins) {
  testing::TempDir dir;
  dir.Write("sub/one.toml", "provider = \"x\"\n[[rule]]\nid = \"one\"\npattern = 'a'\n");
  dir.Write("two.toml", "provider = \"x\"\n[[rule]]\nid = \"two\"\npattern = 'b'\n");
  dir.Write("notes.txt", "not a rule file");
  auto rules = LoadRulesFromPath(dir.path().string());
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->size(), 2u);
  auto builtin = LoadBuiltinRules();
  ASSERT_TRUE(builtin.ok()) << builtin.status();
  EXPECT_TRUE(CheckUniqueIds(*builtin).ok());
  EXPECT_FALSE(LoadRulesFromPath((dir.path() / "missing.toml").string()).ok());
}

}  // namespace
}  // namespace keysweep
