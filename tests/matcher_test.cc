#include "engine/matcher.h"

#include <string>

#include <zlib.h>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RulesFromToml;

constexpr char kRules[] = R"(
provider = "Test"
[[rule]]
id = "tok"
pattern = '''\b(tok_[A-Za-z0-9]{20})\b'''
[[rule]]
id = "greedy"
pattern = '''\b(gr-[a-z0-9]{8,})'''
[[rule]]
id = "kw"
pattern = '''(?i)secret[ =:"']{1,4}([0-9a-f]{16})\b'''
keywords = ["secret"]
min_entropy = 2.5
stopwords = ["deadbeef"]
)";

std::vector<std::string> Secrets(const Matcher& m, std::string_view data, std::string_view rule_id = "") {
  auto scratch = m.NewScratch();
  std::vector<Match> out;
  m.Scan(data, *scratch, &out);
  std::vector<std::string> s;
  for (const Match& x : out) {
    if (!rule_id.empty() && m.rules()[x.rule].id != rule_id) continue;
    s.emplace_back(data.substr(x.secret_start, x.secret_end - x.secret_start));
  }
  return s;
}

std::unique_ptr<Matcher> Make(const char* toml = kRules) {
  auto m = Matcher::Create(RulesFromToml(toml));
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : nullptr;
}

TEST(Matcher, FindsPrefixedTokenWithExactBounds) {
  auto m = Make();
  std::string data = "x = \"tok_ABCDEFGHIJKLMNOPQRST\";\n";
  auto scratch = m->NewScratch();
  std::vector<Match> out;
  m->Scan(data, *scratch, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(m->rules()[out[0].rule].id, "tok");
  EXPECT_EQ(out[0].secret_start, data.find("tok_"));
  EXPECT_EQ(out[0].secret_end, data.find("\";"));
}

TEST(Matcher, RejectsTooLongAndTooShort) {
  auto m = Make();
  EXPECT_TRUE(Secrets(*m, "tok_ABCDEFGHIJKLMNOPQRSTU", "tok").empty());  // 21 chars: no \b after 20
  EXPECT_TRUE(Secrets(*m, "tok_ABCDEFGHIJKLMNOPQRS", "tok").empty());    // 19 chars
}

TEST(Matcher, HitsAtBufferEdges) {
  auto m = Make();
  EXPECT_EQ(Secrets(*m, "tok_ABCDEFGHIJKLMNOPQRST"), std::vector<std::string>{"tok_ABCDEFGHIJKLMNOPQRST"});
  EXPECT_EQ(Secrets(*m, "tok_ABCDEFGHIJKLMNOPQRST\n"), std::vector<std::string>{"tok_ABCDEFGHIJKLMNOPQRST"});
}

TEST(Matcher, GreedyTailIsTakenWholeOnce) {
  auto m = Make();
  // Hyperscan reports every end from 8 chars on; the matcher must yield one, maximal, secret.
  EXPECT_EQ(Secrets(*m, "a gr-abcdefghijklmnop b", "greedy"), std::vector<std::string>{"gr-abcdefghijklmnop"});
}

TEST(Matcher, OverlappingAndRepeatedHits) {
  auto m = Make();
  std::string data = "tok_ABCDEFGHIJKLMNOPQRST tok_ABCDEFGHIJKLMNOPQRST,tok_zyxwvutsrqponmlkjihg";
  EXPECT_EQ(Secrets(*m, data, "tok"),
            (std::vector<std::string>{"tok_ABCDEFGHIJKLMNOPQRST", "tok_ABCDEFGHIJKLMNOPQRST", "tok_zyxwvutsrqponmlkjihg"}));
  // Two rules on overlapping text both report.
  auto both = Make(R"(
provider = "T"
[[rule]]
id = "a"
pattern = '''\b(key_[a-z]{6})\b'''
[[rule]]
id = "b"
pattern = '''\b(key_[a-z]{3})[a-z]{3}\b'''
)");
  EXPECT_EQ(Secrets(*both, "key_abcdef", "a"), std::vector<std::string>{"key_abcdef"});
  EXPECT_EQ(Secrets(*both, "key_abcdef", "b"), std::vector<std::string>{"key_abc"});
}

TEST(Matcher, EntropyStopwordsAndKeywordsFilter) {
  auto m = Make();
  EXPECT_EQ(Secrets(*m, "SECRET=\"9f8e7d6c5b4a3210\"", "kw"), std::vector<std::string>{"9f8e7d6c5b4a3210"});
  EXPECT_TRUE(Secrets(*m, "secret: 0000000000000000", "kw").empty());   // entropy 0
  EXPECT_TRUE(Secrets(*m, "secret: 12deadbeef345678", "kw").empty());   // stop-word
}

TEST(Matcher, ConfirmWindowIsBounded) {
  // A match far longer than the rule's max_length cannot be confirmed from a window of that size.
  auto m = Make(R"(
provider = "T"
[[rule]]
id = "long"
pattern = '''(BEGIN[a-z]{1,5000}END)'''
max_length = 64
)");
  EXPECT_EQ(Secrets(*m, "BEGINabcEND").size(), 1u);
  EXPECT_TRUE(Secrets(*m, "BEGIN" + std::string(200, 'a') + "END").empty());
}

TEST(Matcher, PrefilterConfirmsAroundTheTrigger) {
  auto m = Make(R"(
provider = "T"
[[rule]]
id = "pem"
prefilter = '''-----BEGIN TEST KEY-----'''
pattern = '''(-----BEGIN TEST KEY-----[A-Za-z0-9+/=\s]{10,2000}-----END TEST KEY-----)'''
max_length = 4096
)");
  std::string key = "-----BEGIN TEST KEY-----\nQUJDREVGR0hJSktMTU5PUA==\nYWJjZGVm\n-----END TEST KEY-----";
  EXPECT_EQ(Secrets(*m, "prefix\n" + key + "\ntrailer"), std::vector<std::string>{key});
}

TEST(Matcher, RejectedPatternNamesRuleAndFile) {
  auto rules = RulesFromToml(R"(
provider = "T"
[[rule]]
id = "bad-lookahead"
pattern = '''foo(?=bar)'''
)");
  auto m = Matcher::Create(rules);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("bad-lookahead"), std::string::npos) << m.status();
  EXPECT_NE(m.status().message().find("test.toml"), std::string::npos) << m.status();
  EXPECT_NE(m.status().message().find("Hyperscan"), std::string::npos) << m.status();
}

TEST(Matcher, DatabaseCacheIsUsedAndCorruptEntriesAreRebuilt) {
  testing::TempDir dir;
  MatcherOptions o;
  o.cache_dir = (dir.path() / "cache").string();
  auto rules = RulesFromToml(kRules);
  auto first = Matcher::Create(rules, o);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE((*first)->loaded_from_cache());
  auto second = Matcher::Create(rules, o);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->loaded_from_cache());
  EXPECT_EQ(Secrets(**second, "tok_ABCDEFGHIJKLMNOPQRST").size(), 1u);
  // Corrupt every cache entry: it must be ignored, not trusted.
  for (auto& e : std::filesystem::directory_iterator(o.cache_dir)) {
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("garbage!", 8);
  }
  auto third = Matcher::Create(rules, o);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE((*third)->loaded_from_cache());
  EXPECT_EQ(Secrets(**third, "tok_ABCDEFGHIJKLMNOPQRST").size(), 1u);
  // A different rule set does not pick up the other's entry.
  rules.pop_back();
  auto fourth = Matcher::Create(rules, o);
  ASSERT_TRUE(fourth.ok());
  EXPECT_FALSE((*fourth)->loaded_from_cache());
}

TEST(Validators, GithubCrc32) {
  // Body "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" (30 chars): CRC32 = 0x1c1e6e6b? Computed below instead of
  // hard-coded: flip one char and the check must fail.
  std::string body(30, 'a');
  // Find the checksum by brute-force encoding with the same alphabet the validator documents.
  static const char kAlpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  unsigned long crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  std::string check(6, '0');
  for (int i = 5; i >= 0; --i) { check[i] = kAlpha[crc % 62]; crc /= 62; }
  EXPECT_TRUE(RunValidator("github-crc32", "ghp_" + body + check));
  std::string wrong = body;
  wrong[3] = 'b';
  EXPECT_FALSE(RunValidator("github-crc32", "ghp_" + wrong + check));
  EXPECT_FALSE(RunValidator("github-crc32", "ghp_short"));
}

TEST(Entropy, Values) {
  EXPECT_DOUBLE_EQ(ShannonEntropy(""), 0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("aaaa"), 0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("abab"), 1);
  EXPECT_DOUBLE_EQ(ShannonEntropy("abcd"), 2);
}

}  // namespace

}  // namespace keysweep
