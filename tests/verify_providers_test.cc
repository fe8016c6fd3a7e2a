// Every provider's verifier (the [rule.verify] tables of the built-in rules, detectors/*.toml)
// against the fake provider: verified with identity / scopes / expiry, invalid, and unknown.
#include <chrono>
#include <set>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tests/verify_fake.h"
#include "verifiers/verifier.h"

namespace keysweep {
namespace {

using namespace keysweep::testing;  // NOLINT: the fake's token constants
using verify::Candidate;
using verify::Verifier;

const std::vector<Rule>& ProviderRules() {
  static const auto* rules = [] {
    auto r = LoadBuiltinRules();
    EXPECT_TRUE(r.ok()) << r.status();
    return new std::vector<Rule>(r.ok() ? *std::move(r) : std::vector<Rule>{});
  }();
  return *rules;
}

const Rule* FindRule(const std::string& id) {
  for (const Rule& r : ProviderRules()) {
    if (r.id == id) return &r;
  }
  ADD_FAILURE() << "no rule " << id;
  return nullptr;
}

struct Case {
  const char* rule;
  std::string secret;
  verify::TemplateVars parts;
  std::string identity;
  std::vector<std::string> scopes;
  std::string expires_at;
  bool broad_scope;
  bool no_expiry;
};

std::vector<Case> Cases() {
  return {
      {"github-pat-classic", kGithubGood, {}, "octocat", {"repo", "read:org"}, "2027-01-01 00:00:00 UTC", true, false},
      {"gitlab-personal-access-token", kGitlabGood, {}, "ci (user id 42)", {"api", "read_repository"}, "", true, true},
      {"slack-bot-token", kSlackGood, {}, "deploybot in Acme (https://acme.slack.com/)", {"chat:write", "channels:read"}, "", false, false},
      {"stripe-secret-key", kStripeSecret, {}, "acct_1Acme ops@acme.test", {}, "", true, true},
      {"aws-access-key-id", kAwsKeyId, {{"part.secret", kAwsSecret}}, "arn:aws:iam::123456789012:user/deploy", {}, "", false, true},
      {"google-api-key", kGoogleGood, {}, "", {}, "", false, true},
      {"openai-api-key", kOpenaiGood, {}, "org-acme", {}, "", false, false},
      {"anthropic-api-key", kAnthropicGood, {}, "0f1e2d3c-acme", {}, "", false, false},
      {"anthropic-admin-key", kAnthropicAdmin, {}, "Acme (0f1e2d3c-acme)", {"admin"}, "", true, false},
      {"huggingface-access-token", kHfGood, {}, "alice (user; token ci)", {"write"}, "", true, true},
      {"npm-access-token", kNpmGood, {}, "alice", {}, "", false, false},
      {"sendgrid-api-key", kSendgridGood, {}, "", {"mail.send", "api_keys.create", "user.profile.read"}, "", true, true},
      {"twilio-api-key-sid", kTwilioKeySid, {{"part.secret", kTwilioKeySecret}}, "AC0123456789abcdef0123456789abcdef", {}, "", false, true},
      {"twilio-auth-token", kTwilioAuthToken, {{"part.sid", kTwilioAccountSid}}, "Acme (AC1f2e3d4c5b6a79880716253443526170, active)", {}, "", true, true},
      {"mailgun-private-api-key", kMailgunGood, {}, "mg.acme.test", {}, "", false, true},
      {"digitalocean-token", kDoGood, {}, "ops@acme.test (team Acme)", {}, "", false, false},
      {"datadog-api-key", kDatadogGood, {}, "", {}, "", false, true},
      {"discord-bot-token", kDiscordGood, {}, "acmebot (id 1012345678)", {}, "", false, true},
      {"telegram-bot-token", kTelegramGood, {}, "@acme_bot (id 123456789)", {}, "", false, true},
      {"shopify-access-token", kShopifyGood, {{"part.shop", kShop}}, "acme.myshopify.com", {"read_products", "write_orders"}, "", true, false},
      {"openrouter-api-key", kOpenrouterGood, {}, "ci-pipeline", {}, "", false, false},
      {"groq-api-key", kGroqGood, {}, "", {}, "", false, false},
      {"mistral-api-key", kMistralGood, {}, "", {}, "", false, false},
      {"cohere-api-key", kCohereGood, {}, "", {}, "", false, false},
      {"deepseek-api-key", kDeepseekGood, {}, "", {}, "", false, false},
      {"xai-api-key", kXaiGood, {}, "ci key (team 5ea6f6bd)", {"api-key:model:*", "api-key:endpoint:*"}, "", true, false},
      {"replicate-api-token", kReplicateGood, {}, "acme (organization)", {}, "", false, false},
      {"elevenlabs-api-key", kElevenlabsGood, {}, "u1Acme (creator tier)", {}, "", false, false},
      {"deepgram-api-key", kDeepgramGood, {}, "Acme Voice", {}, "", false, false},
      {"pinecone-api-key", kPineconeGood, {}, "", {}, "", false, false},
      {"together-api-key", kTogetherGood, {}, "", {}, "", false, false},
      {"notion-integration-token", kNotionGood, {}, "Deploy bot in Acme", {}, "", false, false},
      {"airtable-personal-access-token", kAirtableGood, {}, "usrL2PNC5o3H4lBEi ops@acme.test", {"data.records:read", "data.records:write", "schema.bases:read"}, "", true, false},
      {"asana-personal-access-token", kAsanaGood, {}, "gsanchez@acme.test (Greg Sanchez)", {}, "", false, false},
      {"figma-personal-access-token", kFigmaGood, {}, "designer@acme.test (Dee)", {}, "", false, false},
      {"postmark-api-token", kPostmarkGood, {}, "Production (server 1)", {}, "", false, false},
      {"brevo-api-key", kBrevoGood, {}, "marketing@acme.test (Acme)", {}, "", false, false},
      {"netlify-personal-access-token", kNetlifyGood, {}, "jo@acme.test (Jo Dev)", {}, "", false, false},
      {"vercel-prefixed-token", kVercelGood, {}, "me@acme.test (acme-me)", {}, "", false, false},
      {"heroku-api-key", kHerokuGood, {}, "dev@acme.test", {}, "", false, false},
      {"render-api-key", kRenderGood, {}, "Acme (ops@acme.test)", {}, "", false, false},
      {"doppler-personal-token", kDopplerGood, {}, "laptop (personal token, workplace Acme)", {}, "", false, false},
      {"terraform-cloud-api-token", kTerraformGood, {}, "admin (admin@acme.test)", {}, "", false, false},
      {"pulumi-access-token", kPulumiGood, {}, "pat-acme", {}, "", false, false},
      {"circleci-personal-api-token", kCircleciGood, {}, "ci-acme", {}, "", false, false},
      {"buildkite-api-access-token", kBuildkiteGood, {}, "bo@acme.test (token deploys)", {"read_builds", "write_builds"}, "", true, false},
      {"sentry-user-auth-token", kSentryGood, {}, "acme,acme-labs", {}, "", false, false},
      {"pagerduty-user-api-token", kPagerdutyUserGood, {}, "earline@acme.test (Earline Greenholt)", {"admin"}, "", true, false},
      {"pagerduty-api-key", kPagerdutyKeyGood, {}, "", {}, "", false, false},
      {"honeycomb-ingest-key", kHoneycombGood, {}, "acme/prod (ingest key)", {}, "", false, false},
      {"launchdarkly-access-token", kLaunchdarklyGood, {}, "deploy (personal token, account acct-1)", {}, "", false, false},
      {"mapbox-secret-token", kMapboxGood, {}, "acme-maps (sk token)", {}, "", false, false},
      {"square-access-token", kSquareGood, {}, "Acme Coffee (MLEFBHHSJGVHD)", {}, "", false, false},
      {"paystack-secret-key", kPaystackGood, {}, "", {}, "", true, true},
      {"cloudflare-scannable-api-token", kCloudflareGood, {}, "token ed17574386854bf78a67040be0a770b0", {}, "2027-06-30T00:00:00Z", false, false},
      {"fastly-api-token", kFastlyGood, {}, "purge-bot (user 4y5K5trZocEAQYkesWlk7M)", {"global", "purge_all"}, "", true, true},
      {"linode-personal-access-token", kLinodeGood, {}, "acme-ops (ops@acme.test)", {}, "", false, false},
      {"vultr-api-key", kVultrGood, {}, "ops@acme.test (Acme)", {"subscriptions", "dns"}, "", false, true},
      {"postman-api-key", kPostmanGood, {}, "taylor-lee (taylor@acme.test)", {}, "", false, false},
  };
}

class VerifyProviders : public ::testing::Test {
 protected:
  void SetUp() override {
    verify::VerifierOptions o;
    o.concurrency = 2;
    ASSERT_TRUE(verify::ParseHostOverrides(fake.HostMap(), &o.net.host_overrides));
    o.net.base_backoff = std::chrono::milliseconds(5);
    o.net.rate_override = 1000;
    auto v = Verifier::Create(o);
    ASSERT_TRUE(v.ok());
    verifier = *std::move(v);
  }
  Verification Check(const Rule* r, const std::string& secret, const verify::TemplateVars& parts) {
    return verifier->Check(Candidate{r, secret, parts});
  }
  FakeProviders fake;
  std::unique_ptr<Verifier> verifier;
};

TEST_F(VerifyProviders, FiftySixProvidersAreCovered) {
  std::set<std::string> providers;
  for (const Case& c : Cases()) providers.insert(FindRule(c.rule) ? FindRule(c.rule)->provider : "");
  EXPECT_GE(providers.size(), 56u);
}

TEST_F(VerifyProviders, VerifiedWithIdentityScopesAndExpiry) {
  for (const Case& c : Cases()) {
    const Rule* r = FindRule(c.rule);
    if (r == nullptr) continue;
    const Verification v = Check(r, c.secret, c.parts);
    EXPECT_EQ(v.status, VerifyStatus::kVerified) << c.rule << ": " << v.reason;
    EXPECT_EQ(v.identity, c.identity) << c.rule;
    EXPECT_EQ(v.scopes, c.scopes) << c.rule;
    EXPECT_EQ(v.expires_at, c.expires_at) << c.rule;
    EXPECT_EQ(v.broad_scope, c.broad_scope) << c.rule;
    EXPECT_EQ(v.no_expiry, c.no_expiry) << c.rule;
    EXPECT_GT(v.checked_at, 0) << c.rule;
  }
}

TEST_F(VerifyProviders, InvalidSecretsAreInvalid) {
  for (const Case& c : Cases()) {
    const Rule* r = FindRule(c.rule);
    if (r == nullptr) continue;
    // Same shape, one character changed.
    std::string bad = c.secret;
    bad[bad.size() - 3] = bad[bad.size() - 3] == 'x' ? 'y' : 'x';
    const Verification v = Check(r, bad, c.parts);
    EXPECT_EQ(v.status, VerifyStatus::kInvalid) << c.rule << ": " << v.reason;
    EXPECT_TRUE(v.identity.empty()) << c.rule;
  }
}

TEST_F(VerifyProviders, ProviderOutagesAreUnknown) {
  for (const Case& c : Cases()) {
    const Rule* r = FindRule(c.rule);
    if (r == nullptr || r->verify->kind != "http") continue;  // AWS: see below
    verify::TemplateVars parts = c.parts;
    const Verification v = Check(r, kFlaky, parts);
    EXPECT_EQ(v.status, VerifyStatus::kUnknown) << c.rule << ": " << v.reason;
    EXPECT_EQ(v.reason, "provider error (HTTP 503)") << c.rule;
  }
}

TEST_F(VerifyProviders, ProviderSpecificAnswers) {
  // GitHub fine-grained token without an expiry header.
  Verification v = Check(FindRule("github-pat-fine-grained"), kGithubFineGrained, {});
  EXPECT_EQ(v.status, VerifyStatus::kVerified);
  EXPECT_EQ(v.identity, "hubot");
  EXPECT_TRUE(v.no_expiry);
  EXPECT_TRUE(v.scopes.empty());
  // Stripe restricted key that may not read the account: live, not broad.
  v = Check(FindRule("stripe-restricted-key"), kStripeRestricted, {});
  EXPECT_EQ(v.status, VerifyStatus::kVerified);
  EXPECT_FALSE(v.broad_scope);
  EXPECT_EQ(v.reason, "restricted key without account read permission");
  // OpenAI: 429 insufficient_quota is a live key, and is not retried.
  const int before = fake.Hits("/openai/v1/models");
  v = Check(FindRule("openai-api-key"), kOpenaiNoQuota, {});
  EXPECT_EQ(v.status, VerifyStatus::kVerified);
  EXPECT_EQ(fake.Hits("/openai/v1/models"), before + 1);
  // Google key restricted to other APIs: exists.
  v = Check(FindRule("google-api-key"), kGoogleBlocked, {});
  EXPECT_EQ(v.status, VerifyStatus::kVerified);
  // AWS: a key id paired with the wrong secret, and an unknown key id.
  v = Check(FindRule("aws-access-key-id"), kAwsKeyId, {{"part.secret", "wrongwrongwrongwrongwrongwrongwrongwrong"}});
  EXPECT_EQ(v.status, VerifyStatus::kInvalid);
  EXPECT_EQ(v.reason, "the secret key does not belong to this key id");
  v = Check(FindRule("aws-access-key-id"), "AKIAQYLPMN5HHHFPZAM3", {{"part.secret", kAwsSecret}});
  EXPECT_EQ(v.status, VerifyStatus::kInvalid);
  EXPECT_EQ(v.reason, "unknown access key id");
  // xAI: a disabled key answers 200 but cannot be used.
  v = Check(FindRule("xai-api-key"), kXaiDisabled, {});
  EXPECT_EQ(v.status, VerifyStatus::kInvalid);
  EXPECT_EQ(v.reason, "key disabled");
  // ElevenLabs: a scoped key without user_read is live.
  v = Check(FindRule("elevenlabs-api-key"), kElevenlabsScoped, {});
  EXPECT_EQ(v.status, VerifyStatus::kVerified);
  EXPECT_EQ(v.reason, "live key without the user_read permission");
  // Vercel and Cloudflare: token kinds the user endpoint cannot judge stay unknown, never invalid.
  v = Check(FindRule("vercel-prefixed-token"), kVercelOther, {});
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  v = Check(FindRule("cloudflare-scannable-api-token"), kCloudflareAccount, {});
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  // Shopify: a shop value that is not a host label is never contacted.
  const int shop_hits = fake.TotalHits();
  v = Check(FindRule("shopify-access-token"), kShopifyGood, {{"part.shop", "evil.test/"}});
  EXPECT_EQ(v.status, VerifyStatus::kSkipped);
  EXPECT_EQ(fake.TotalHits(), shop_hits);
}

// Every built-in verifier is safe by construction: documented, https, hosts listed, parts resolvable.
TEST(VerifyBuiltinTables, AreDocumentedAndResolvable) {
  std::set<std::string> ids, part_only, used_as_part;
  for (const Rule& r : ProviderRules()) {
    ids.insert(r.id);
    if (r.part_only) part_only.insert(r.id);
  }
  size_t tables = 0;
  for (const Rule& r : ProviderRules()) {
    if (!r.verify) continue;
    ++tables;
    EXPECT_FALSE(r.part_only) << r.id;
    EXPECT_FALSE(r.verify->references.empty()) << r.id;
    EXPECT_FALSE(r.verify->hosts.empty()) << r.id;
    if (r.verify->kind == "http") {
      EXPECT_EQ(r.verify->url.rfind("https://", 0), 0u) << r.id;
    }
    for (const VerifyPart& p : r.verify->parts) {
      for (const std::string& id : p.rules) {
        EXPECT_TRUE(ids.contains(id)) << r.id << " pairs with unknown rule " << id;
        used_as_part.insert(id);
      }
    }
  }
  EXPECT_GE(tables, 88u);
  for (const std::string& id : part_only) EXPECT_TRUE(used_as_part.contains(id)) << id << " is part_only but unused";
}

TEST_F(VerifyProviders, WebhookRulesAreNeverVerifiedByPosting) {
  for (const Rule& r : ProviderRules()) {
    if (r.id.find("webhook") != std::string::npos) {
      EXPECT_FALSE(r.verify) << r.id;
    }
    if (r.verify && r.provider != "Slack") {
      EXPECT_NE(r.verify->method, "POST") << r.id << " posts; only Slack's auth.test is a POST";
    }
  }
}

}  // namespace
}  // namespace keysweep
