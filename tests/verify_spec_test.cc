// The [rule.verify] format, the template language, SigV4 and the address policy: pure functions.
#include <arpa/inet.h>
#include <netinet/in.h>

#include "gtest/gtest.h"
#include "engine/verify_spec_toml.h"
#include "tests/test_util.h"
#include "verifiers/aws_sigv4.h"
#include "verifiers/http_client.h"
#include "verifiers/template.h"

namespace keysweep {
namespace {

std::string RuleWith(const std::string& verify) {
  return R"(
provider = "Acme Cloud"
[[rule]]
id = "acme-token"
category = "saas"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
)" + verify;
}

constexpr char kGoodVerify[] = R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/v1/me?k={{secret}}"
  headers = { Authorization = "Bearer {{secret}}" }
  identity = "{{json:/user}}"
  scopes = "{{header:x-scopes}}"
  broad_scopes = ["admin*"]
  references = ["https://acme.test/docs/me"]
    [[rule.verify.when]]
    status = [200, 203]
    json = { "/ok" = true, "/kind" = "user", "/n" = 3 }
    result = "verified"
    [[rule.verify.when]]
    status = 401
    result = "invalid"
    reason = "revoked"
)";

TEST(VerifySpec, ParsesAFullTable) {
  auto rules = ParseRuleFile(RuleWith(kGoodVerify), "acme.toml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_TRUE((*rules)[0].verify);
  const VerifySpec& s = *(*rules)[0].verify;
  EXPECT_EQ(s.kind, "http");
  EXPECT_EQ(s.endpoint, "acme-cloud");  // from the provider name
  EXPECT_EQ(s.method, "GET");
  ASSERT_EQ(s.headers.size(), 1u);
  EXPECT_EQ(s.headers[0].second, "Bearer {{secret}}");
  ASSERT_EQ(s.outcomes.size(), 2u);
  EXPECT_EQ(s.outcomes[0].status, (std::vector<int>{200, 203}));
  ASSERT_EQ(s.outcomes[0].json.size(), 3u);
  EXPECT_EQ(s.outcomes[1].verdict, VerifyVerdict::kInvalid);
  EXPECT_EQ(s.outcomes[1].reason, "revoked");
}

// The built-in rule table stores the table as TOML text; parsing it back gives the same spec.
TEST(VerifySpec, SurvivesTheBuiltinTableRoundTrip) {
  auto rules = ParseRuleFile(RuleWith(kGoodVerify), "acme.toml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  const Rule& r = (*rules)[0];
  ASSERT_FALSE(r.verify_source.empty());
  auto again = ParseVerifySpecText(r.verify_source, r.provider);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << r.verify_source;
  EXPECT_EQ(again->url, r.verify->url);
  EXPECT_EQ(again->hosts, r.verify->hosts);
  EXPECT_EQ(again->headers, r.verify->headers);
  EXPECT_EQ(again->identity, r.verify->identity);
  ASSERT_EQ(again->outcomes.size(), r.verify->outcomes.size());
  EXPECT_EQ(again->outcomes[0].json.size(), 3u);
  EXPECT_EQ(again->outcomes[0].status, r.verify->outcomes[0].status);
  EXPECT_EQ(again->outcomes[1].reason, "revoked");
}

TEST(VerifySpec, RejectsUnsafeOrIncompleteTables) {
  const std::pair<const char*, const char*> cases[] = {
      {"hosts", R"(
  [rule.verify]
  url = "https://api.acme.test/me"
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
      {"not in 'hosts'", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://evil.test/me"
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
      {"https://", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "http://api.acme.test/me"
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
      {"unknown placeholder", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/me?{{group.2}}"
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
      {"result", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/me"
  references = ["x"]
    [[rule.verify.when]]
    status = 200)"},
      {"references", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/me"
    [[rule.verify.when]]
    result = "verified")"},
      {"unknown key 'follow_redirects'", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/me"
  follow_redirects = true
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
      {"unknown kind", R"(
  [rule.verify]
  kind = "gcp-magic"
  hosts = ["api.acme.test"]
  references = ["x"])"},
      // A host built from a paired value must fall under a wildcard entry.
      {"not in 'hosts'", R"(
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://{{part.tenant}}.acme.test/me"
  parts = { tenant = { rules = ["acme-tenant"] } }
  references = ["x"]
    [[rule.verify.when]]
    result = "verified")"},
  };
  for (const auto& [want, verify] : cases) {
    auto rules = ParseRuleFile(RuleWith(verify), "acme.toml");
    ASSERT_FALSE(rules.ok()) << verify;
    EXPECT_NE(rules.status().message().find(want), absl::string_view::npos) << rules.status();
    EXPECT_NE(rules.status().message().find("acme-token"), absl::string_view::npos) << rules.status();
  }
}

TEST(VerifySpec, HostAllowList) {
  const std::vector<std::string> allowed = {"api.acme.test", "*.myshop.test"};
  EXPECT_TRUE(HostAllowed("api.acme.test", allowed));
  EXPECT_TRUE(HostAllowed("acme.myshop.test", allowed));
  EXPECT_FALSE(HostAllowed("a.b.myshop.test", allowed));  // one label only
  EXPECT_FALSE(HostAllowed("myshop.test", allowed));
  EXPECT_FALSE(HostAllowed("api.acme.test.evil", allowed));
  EXPECT_FALSE(HostAllowed("", allowed));
  EXPECT_EQ(UrlHost("https://user@API.Acme.test:8443/x?y"), "api.acme.test");
  EXPECT_EQ(UrlHost("https://[::1]:8080/"), "[::1]");
}

TEST(VerifyTemplate, ExpandsAndEncodes) {
  const verify::TemplateVars vars = {{"secret", "a b/c?d&e:f"}, {"part.shop", "acme"}};
  EXPECT_EQ(verify::Expand("Bearer {{secret}}", vars, verify::Encoding::kNone), "Bearer a b/c?d&e:f");
  EXPECT_EQ(*verify::ExpandUrl("https://x.test/bot{{secret}}/me", vars), "https://x.test/bota%20b%2Fc%3Fd%26e:f/me");
  EXPECT_EQ(*verify::ExpandUrl("https://{{part.shop}}.shop.test/a", vars), "https://acme.shop.test/a");
  // A paired value can never change the host.
  const verify::TemplateVars evil = {{"secret", "s"}, {"part.shop", "evil.test/x?"}};
  EXPECT_FALSE(verify::ExpandUrl("https://{{part.shop}}.shop.test/a", evil).has_value());
  const verify::TemplateVars at = {{"secret", "s"}, {"part.shop", "u@evil"}};
  EXPECT_FALSE(verify::ExpandUrl("https://{{part.shop}}.shop.test/a", at).has_value());
}

TEST(VerifyTemplate, ExtractsJsonHeadersAndParts) {
  verify::HttpResponse r;
  r.status = 200;
  r.headers = {{"x-scopes", "repo, read:org"}};
  r.body = R"({"login":"octo","n":7,"ok":true,"scopes":["api","read"],"items":[{"h":"a"},{"h":"b"}],"none":null})";
  verify::ResponseView v(r);
  EXPECT_EQ(verify::Extract("{{json:/login}} ({{json:/n}})", v), "octo (7)");
  EXPECT_EQ(verify::Extract("{{json:/scopes}}", v), "api,read");
  EXPECT_EQ(verify::Extract("{{json:/items/*/h}}", v), "a,b");
  EXPECT_EQ(verify::Extract("{{header:X-Scopes}}", v), "repo, read:org");
  EXPECT_EQ(verify::Extract("{{json:/none}}", v), "");
  EXPECT_EQ(verify::Extract("{{json:/missing}} ({{json:/missing2}})", v), "");  // glue alone is empty
  EXPECT_EQ(verify::Extract("{{part.shop}}.shop", v, {{"part.shop", "acme"}}), "acme.shop");
  verify::HttpResponse evil;
  evil.body = R"({"login":"bad\u001b[31mred\nline"})";
  verify::ResponseView ev(evil);
  EXPECT_EQ(verify::Extract("{{json:/login}}", ev), "bad?[31mred?line");  // no terminal escapes
  EXPECT_EQ(verify::SplitScopes("repo, read:org,,gist"), (std::vector<std::string>{"repo", "read:org", "gist"}));
  EXPECT_TRUE(verify::AnyBroadScope({"read", "admin:org"}, {"admin:*"}));
  EXPECT_FALSE(verify::AnyBroadScope({"read", "admin"}, {"admin:*"}));
  VerifyOutcome::JsonEquals ok{"/ok", VerifyOutcome::JsonEquals::Type::kBool, "true"};
  VerifyOutcome::JsonEquals n{"/n", VerifyOutcome::JsonEquals::Type::kInt, "7"};
  VerifyOutcome::JsonEquals wrong{"/login", VerifyOutcome::JsonEquals::Type::kString, "octo2"};
  EXPECT_TRUE(v.JsonEquals(ok));
  EXPECT_TRUE(v.JsonEquals(n));
  EXPECT_FALSE(v.JsonEquals(wrong));
}

TEST(VerifyTemplate, ScrubRemovesSecretsInEveryForm) {
  std::string text = "token sk_live_abcdef0123/x and sk_live_abcdef0123%2Fx";
  verify::Scrub(&text, {"sk_live_abcdef0123/x"});
  EXPECT_EQ(text.find("abcdef0123"), std::string::npos) << text;
  EXPECT_NE(text.find("*****"), std::string::npos);
}

// AWS's published SigV4 example (IAM ListUsers, 2015-08-30).
TEST(SigV4, MatchesAwsDocumentedExample) {
  EXPECT_EQ(verify::HexEncode(verify::SigV4SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                                      "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  verify::SigV4Request r;
  r.method = "GET";
  r.host = "iam.amazonaws.com";
  r.path = "/";
  r.query = "Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.amz_date = "20150830T123600Z";
  r.service = "iam";
  EXPECT_EQ(verify::SigV4Signature(r, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(verify::SigV4Authorization(r, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(AddressPolicy, RefusesPrivateLoopbackAndLinkLocal) {
  auto v4 = [](const char* ip) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return verify::IsPrivateAddress(&a, sizeof a);
  };
  auto v6 = [](const char* ip) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return verify::IsPrivateAddress(&a, sizeof a);
  };
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                         "100.64.0.1", "0.0.0.0", "224.0.0.1"})
    EXPECT_TRUE(v4(ip)) << ip;
  for (const char* ip : {"8.8.8.8", "140.82.112.6", "172.32.0.1", "100.128.0.1"}) EXPECT_FALSE(v4(ip)) << ip;
  for (const char* ip : {"::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254"})
    EXPECT_TRUE(v6(ip)) << ip;
  EXPECT_FALSE(v6("2606:4700::6810:85e5"));
}

}  // namespace
}  // namespace keysweep
