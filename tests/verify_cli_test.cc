// keysweep scan --verify end to end: the binary, a rule file of our own, and the fake provider
// reached through the test hook (KEYSWEEP_VERIFY_TEST_HOSTS) or --verify-endpoint.
#include <algorithm>
#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tests/verify_fake.h"

namespace keysweep {
namespace {

using testing::FakeProviders;
using testing::RunKeysweep;
using testing::TempDir;

constexpr char kDeadToken[] = "ghp_16C7e42F292c6912E7710c838347Ae178B4b";

// A GitHub-like rule of our own, so the test does not depend on the built-in rule set.
constexpr char kRule[] = R"(
provider = "GitHub"
[[rule]]
id = "test-github-pat"
category = "vcs"
confidence = "high"
pattern = '''\b(ghp_[A-Za-z0-9]{36})\b'''
  [rule.verify]
  endpoint = "github"
  hosts = ["api.github.com"]
  url = "https://api.github.com/user"
  headers = { Authorization = "token {{secret}}" }
  identity = "{{json:/login}}"
  scopes = "{{header:x-oauth-scopes}}"
  expires_at = "{{header:github-authentication-token-expiration}}"
  broad_scopes = ["repo"]
  references = ["https://docs.github.com/en/rest/users/users#get-the-authenticated-user"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
    [[rule.verify.when]]
    status = 401
    result = "invalid"
[[rule]]
id = "test-local"
category = "saas"
pattern = '''\b(loc_[a-z0-9]{20})\b'''
  [rule.verify]
  hosts = ["localhost"]
  url = "https://localhost:1/check"
  references = ["x"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
)";

class VerifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    rules = dir.Write("rules/test.toml", kRule);
    dir.Write("src/config.env", std::string("GITHUB_TOKEN=") + testing::kGithubGood + "\nOLD_TOKEN=" + kDeadToken +
                                    "\nLOCAL=loc_abcdefghij0123456789\n");
  }
  void TearDown() override { ::unsetenv("KEYSWEEP_VERIFY_TEST_HOSTS"); }
  std::vector<std::string> Args(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"scan", "--no-builtin-rules", "--no-config", "--rules", rules};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back((dir.path() / "src").string());
    return a;
  }
  void Hook() { ::setenv("KEYSWEEP_VERIFY_TEST_HOSTS", fake.HostMap().c_str(), 1); }
  FakeProviders fake;
  TempDir dir;
  std::string rules;
};

TEST_F(VerifyCli, JsonCarriesTheVerification) {
  Hook();
  auto r = RunKeysweep(Args({"--verify", "--format", "json"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find(R"("verification":{"status":"verified","reason":"","identity":"octocat","scopes":["repo","read:org"],"expires_at":"2027-01-01 00:00:00 UTC","checked_at":")"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"("broad_scope":true,"no_expiry":false)"), std::string::npos);
  EXPECT_NE(r.out.find(R"("verification":{"status":"invalid")"), std::string::npos);
  // The loopback-only rule is refused: the hook maps named hosts, never "localhost".
  EXPECT_NE(r.out.find(R"("status":"unknown","reason":"refused private or loopback address")"), std::string::npos);
  EXPECT_EQ(r.out.find(testing::kGithubGood), std::string::npos);  // redacted by default
  EXPECT_EQ(r.err.find(testing::kGithubGood), std::string::npos);
  EXPECT_NE(r.err.find("test hook KEYSWEEP_VERIFY_TEST_HOSTS is active"), std::string::npos);
  EXPECT_EQ(fake.Hits("/github/user"), 2);
}

TEST_F(VerifyCli, OnlyVerifiedKeepsLiveSecretsInOneLine) {
  Hook();
  auto r = RunKeysweep(Args({"--only-verified", "--color", "never"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("  verified:    verified (identity octocat; scopes repo read:org; expires 2027-01-01 00:00:00 UTC) [broad scope]\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("ghp_16C7e42F292c6912E7710c838347Ae178B4b"), std::string::npos);
  EXPECT_EQ(r.out.find("invalid"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("loc_"), std::string::npos) << r.out;
}

TEST_F(VerifyCli, NothingLiveMeansExitZeroWithOnlyVerified) {
  Hook();
  dir.Write("src/config.env", std::string("OLD_TOKEN=") + kDeadToken + "\n");
  auto r = RunKeysweep(Args({"--only-verified"}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(VerifyCli, VerifyEndpointPointsAProviderElsewhere) {
  auto r = RunKeysweep(Args({"--verify", "--format", "jsonl", "--verify-endpoint",
                             "github=http://" + fake.Base() + "/github"}));
  EXPECT_NE(r.out.find(R"("identity":"octocat")"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(fake.Hits("/github/user"), 2);
  auto bad = RunKeysweep(Args({"--verify", "--verify-endpoint", "github"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("PROVIDER=URL"), std::string::npos);
}

TEST_F(VerifyCli, CacheFileSkipsTheNetworkNextTime) {
  Hook();
  const std::string cache = (dir.path() / "verify.cache").string();
  auto first = RunKeysweep(Args({"--verify", "--verify-cache", cache, "--format", "json"}));
  EXPECT_EQ(fake.Hits("/github/user"), 2);
  auto second = RunKeysweep(Args({"--verify", "--verify-cache", cache, "--format", "json"}));
  EXPECT_EQ(fake.Hits("/github/user"), 2) << second.err;
  EXPECT_NE(second.out.find(R"("identity":"octocat")"), std::string::npos);
  EXPECT_NE(second.out.find(R"("verification: cache hits":2)"), std::string::npos) << second.out;
}

// A part-only helper rule (the shop name) pairs with the token and is never reported itself.
TEST_F(VerifyCli, PartOnlyHelpersPairButAreNotReported) {
  Hook();
  const std::string shop_rules = dir.Write("rules/shop.toml", R"(
provider = "Shopify"
[[rule]]
id = "test-shop-domain"
part_only = true
pattern = '''\b([a-z0-9][a-z0-9-]{0,60})\.myshopify\.com\b'''
[[rule]]
id = "test-shop-token"
category = "payments"
confidence = "high"
pattern = '''\b(shpat_[a-f0-9]{32})\b'''
  [rule.verify]
  hosts = ["*.myshopify.com"]
  url = "https://{{part.shop}}.myshopify.com/admin/oauth/access_scopes.json"
  headers = { X-Shopify-Access-Token = "{{secret}}" }
  parts = { shop = { rules = ["test-shop-domain"], secret = false } }
  identity = "{{part.shop}}.myshopify.com"
  scopes = "{{json:/access_scopes/*/handle}}"
  references = ["https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
)");
  const std::string src = dir.Write("shop/app.env", std::string("SHOP=acme.myshopify.com\nTOKEN=") + testing::kShopifyGood + "\n");
  auto r = RunKeysweep({"scan", "--no-builtin-rules", "--no-config", "--rules", shop_rules, "--verify", "--format",
                        "jsonl", src});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find(R"("identity":"acme.myshopify.com","scopes":["read_products","write_orders"])"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("test-shop-domain"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

// The built-in rules end to end: an AWS key pair verified through SigV4 (the secret key's finding
// is verified with it), and a Shopify token paired with its shop name (a part_only helper).
TEST_F(VerifyCli, BuiltinRulesPairAwsKeysAndShopifyShops) {
  Hook();
  const std::string src = dir.Write("deploy/creds.env", std::string("aws_access_key_id = ") + testing::kAwsKeyId +
                                                            "\naws_secret_access_key = " + testing::kAwsSecret +
                                                            "\nSHOP=acme.myshopify.com\nSHOPIFY_TOKEN=" +
                                                            testing::kShopifyGood + "\n");
  auto r = RunKeysweep({"scan", "--no-config", "--verify", "--format", "jsonl", src});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find(R"("rule_id":"aws-access-key-id")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("identity":"arn:aws:iam::123456789012:user/deploy")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("reason":"verified together with aws-access-key-id AKIA*****")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("identity":"acme.myshopify.com","scopes":["read_products","write_orders"])"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("shopify-shop-domain"), std::string::npos);
  EXPECT_EQ(r.out.find(testing::kAwsSecret), std::string::npos);
  EXPECT_EQ(fake.TotalHits(), 2);  // one STS call, one Shopify call, nothing else
}

TEST_F(VerifyCli, HelpMentionsVerificationAndItsTestingUse) {
  auto h = RunKeysweep({"scan", "--help"});
  EXPECT_NE(h.out.find("--verify-endpoint PROVIDER=URL"), std::string::npos);
  EXPECT_NE(h.out.find("for testing"), std::string::npos);
  EXPECT_NE(h.out.find("--only-verified"), std::string::npos);
}

}  // namespace
}  // namespace keysweep
