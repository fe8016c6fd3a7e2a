// The verification framework against the in-process fake provider: network policy, timeouts,
// retries, rate limits, coalescing, the cache, specificity, pairing and redaction.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/sha256.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tests/verify_fake.h"
#include "verifiers/verifier.h"

namespace keysweep {
namespace {

using testing::FakeProviders;
using verify::Candidate;
using verify::Verifier;
using verify::VerifierOptions;

constexpr char kSecret[] = "acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6";

// A rule for api.acme.test whose endpoint path is `path`.
std::string AcmeRule(const std::string& id, const std::string& path, const std::string& extra = "",
                     const std::string& category = "saas", const std::string& confidence = "high") {
  return R"(
[[rule]]
id = ")" + id + R"("
category = ")" + category + R"("
confidence = ")" + confidence + R"("
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
  [rule.verify]
  endpoint = "acme"
  hosts = ["api.acme.test"]
  url = "https://api.acme.test)" + path + R"("
  headers = { Authorization = "Bearer {{secret}}" }
  identity = "{{json:/user}}"
  scopes = "{{json:/scopes}}"
  broad_scopes = ["admin"]
  references = ["https://acme.test/docs"]
)" + extra + R"(
    [[rule.verify.when]]
    status = 200
    result = "verified"
    [[rule.verify.when]]
    status = 401
    result = "invalid"
)";
}

std::vector<Rule> Rules(const std::string& body) {
  return testing::RulesFromToml("provider = \"Acme\"\n" + body);
}

class VerifyHttp : public ::testing::Test {
 protected:
  VerifierOptions Options() const {
    VerifierOptions o;
    o.concurrency = 4;
    o.net.host_overrides["api.acme.test"] = "http://" + fake.Base() + "/test";
    o.net.base_backoff = std::chrono::milliseconds(10);
    o.net.max_retry_wait = std::chrono::milliseconds(2000);
    o.net.rate_override = 1000;
    o.http.total_timeout = std::chrono::milliseconds(3000);
    return o;
  }
  Verification Check(const Rule& r, const std::string& secret, VerifierOptions o) {
    auto v = Verifier::Create(std::move(o));
    EXPECT_TRUE(v.ok());
    return (*v)->Check(Candidate{&r, secret, {}});
  }
  FakeProviders fake;
};

TEST_F(VerifyHttp, VerifiedWithIdentityScopesAndFlags) {
  const auto rules = Rules(AcmeRule("acme-token", "/ok"));
  const Verification v = Check(rules[0], kSecret, Options());
  EXPECT_EQ(v.status, VerifyStatus::kVerified) << v.reason;
  EXPECT_EQ(v.identity, "acme-user");
  EXPECT_EQ(v.scopes, (std::vector<std::string>{"read", "admin"}));
  EXPECT_TRUE(v.broad_scope);
  EXPECT_FALSE(v.no_expiry);  // the rule neither reads an expiry nor declares none
  EXPECT_GT(v.checked_at, 0);
}

TEST_F(VerifyHttp, LoopbackRefusedWithoutTheTestHook) {
  // The same rule, pointed at 127.0.0.1 by name only: the address policy refuses it.
  const auto rules = testing::RulesFromToml(R"(
provider = "Local"
[[rule]]
id = "local-token"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
  [rule.verify]
  hosts = ["localhost"]
  url = "https://localhost:)" + std::to_string(fake.port()) + R"(/test/ok"
  headers = { Authorization = "Bearer {{secret}}" }
  references = ["x"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
)");
  VerifierOptions o = Options();
  o.net.host_overrides.clear();
  const Verification v = Check(rules[0], kSecret, o);
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "refused private or loopback address");
  EXPECT_EQ(fake.TotalHits(), 0);
}

TEST_F(VerifyHttp, TimeoutIsUnknownAndBounded) {
  const auto rules = Rules(AcmeRule("acme-token", "/slow"));
  VerifierOptions o = Options();
  o.http.total_timeout = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  const Verification v = Check(rules[0], kSecret, o);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1400));
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "timeout");
}

TEST_F(VerifyHttp, RedirectIsNotFollowed) {
  const auto rules = Rules(AcmeRule("acme-token", "/redirect"));
  const Verification v = Check(rules[0], kSecret, Options());
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "redirect not followed (HTTP 302)");
  EXPECT_EQ(fake.Hits("/test/redirect"), 1);
  EXPECT_EQ(fake.TotalHits(), 1);
}

TEST_F(VerifyHttp, RetryAfterIsHonoured) {
  const auto rules = Rules(AcmeRule("acme-token", "/ratelimit-once"));
  const auto t0 = std::chrono::steady_clock::now();
  const Verification v = Check(rules[0], kSecret, Options());
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(v.status, VerifyStatus::kVerified) << v.reason;
  EXPECT_EQ(fake.Hits("/test/ratelimit-once"), 2);
  EXPECT_GE(waited, std::chrono::milliseconds(900));  // Retry-After: 1
}

TEST_F(VerifyHttp, LongRetryAfterGivesUpAsRateLimited) {
  const auto rules = Rules(AcmeRule("acme-token", "/ratelimit-long"));
  const Verification v = Check(rules[0], kSecret, Options());
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "rate limited (retry after 120)");
  EXPECT_EQ(fake.Hits("/test/ratelimit-long"), 1);
}

TEST_F(VerifyHttp, ServerErrorsAreRetriedWithBackoffThenUnknown) {
  const auto rules = Rules(AcmeRule("acme-token", "/503"));
  const Verification v = Check(rules[0], kSecret, Options());
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "provider error (HTTP 503)");
  EXPECT_EQ(fake.Hits("/test/503"), 3);
}

// A listener that accepts and resets every connection.
class ResettingServer {
 public:
  ResettingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] {
      while (true) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        (void)!::read(c, buf, sizeof buf);
        linger l{1, 0};  // close with RST
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(c);
      }
    });
  }
  ~ResettingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(VerifyHttp, ConnectionResetIsUnknown) {
  ResettingServer reset;
  const auto rules = Rules(AcmeRule("acme-token", "/ok"));
  VerifierOptions o = Options();
  o.net.host_overrides["api.acme.test"] = "http://127.0.0.1:" + std::to_string(reset.port());
  const Verification v = Check(rules[0], kSecret, o);
  EXPECT_EQ(v.status, VerifyStatus::kUnknown);
  EXPECT_EQ(v.reason, "connection reset");
}

TEST_F(VerifyHttp, SecretsNeverAppearInResultsOrReasons) {
  const auto rules = Rules(AcmeRule("acme-echo", "/echo") + AcmeRule("acme-slow", "/slow") +
                           AcmeRule("acme-redirect", "/redirect") + AcmeRule("acme-503", "/503"));
  VerifierOptions o = Options();
  o.http.total_timeout = std::chrono::milliseconds(300);
  auto verifier = Verifier::Create(o);
  ASSERT_TRUE(verifier.ok());
  for (const Rule& r : rules) {
    const Verification v = (*verifier)->Check(Candidate{&r, kSecret, {}});
    for (const std::string* s : {&v.reason, &v.identity, &v.expires_at}) {
      EXPECT_EQ(s->find("Zq3Lm9Xw2Rt7"), std::string::npos) << r.id << ": " << *s;
    }
    for (const auto& s : v.scopes) EXPECT_EQ(s.find("Zq3Lm9Xw2Rt7"), std::string::npos) << r.id;
    if (r.id == "acme-echo") {
      EXPECT_EQ(v.identity, "owner of acme*****");
    }
  }
}

TEST_F(VerifyHttp, ConcurrentIdenticalChecksCoalesce) {
  const auto rules = Rules(AcmeRule("acme-token", "/slow"));
  auto verifier = Verifier::Create(Options());
  ASSERT_TRUE(verifier.ok());
  std::vector<std::thread> threads;
  std::vector<VerifyStatus> got(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { got[i] = (*verifier)->Check(Candidate{&rules[0], kSecret, {}}).status; });
  }
  for (auto& t : threads) t.join();
  for (auto s : got) EXPECT_EQ(s, VerifyStatus::kVerified);
  EXPECT_EQ(fake.Hits("/test/slow"), 1);
  const auto c = (*verifier)->counters();
  EXPECT_EQ(c.requests, 1u);
  EXPECT_EQ(c.coalesced + c.cache_hits, 15u);
}

std::shared_ptr<Provenance> File(const std::string& path) {
  auto p = std::make_shared<Provenance>();
  p->path = path;
  return p;
}

TEST_F(VerifyHttp, OneRequestForASecretFoundAThousandTimes) {
  const auto rules = Rules(AcmeRule("acme-token", "/ok"));
  FindingSet set(2000);
  for (int i = 0; i < 1000; ++i) {
    Occurrence o;
    o.prov = File("f" + std::to_string(i % 37));
    o.offset = static_cast<uint64_t>(i) * 100;
    set.Add(0, "acme-token", kSecret, o);
  }
  std::vector<Finding*> all;
  set.EraseIf([&](Finding& f) {
    all.push_back(&f);
    return false;
  });
  auto verifier = Verifier::Create(Options());
  ASSERT_TRUE(verifier.ok());
  (*verifier)->VerifyFindings(all, rules);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(all[0]->verification);
  EXPECT_EQ(all[0]->verification->status, VerifyStatus::kVerified);
  EXPECT_EQ(fake.Hits("/test/ok"), 1);
}

TEST_F(VerifyHttp, OnlyTheMostSpecificRuleSendsTheSecret) {
  // Both rules capture the same secret; the generic one points elsewhere and must not be called.
  const auto rules = Rules(AcmeRule("acme-token", "/ok") + AcmeRule("generic-token", "/echo", "", "generic", "low"));
  FindingSet set;
  Occurrence o;
  o.prov = File("a.txt");
  set.Add(0, "acme-token", kSecret, o);
  set.Add(1, "generic-token", kSecret, o);
  std::vector<Finding*> all;
  set.EraseIf([&](Finding& f) {
    all.push_back(&f);
    return false;
  });
  auto verifier = Verifier::Create(Options());
  ASSERT_TRUE(verifier.ok());
  (*verifier)->VerifyFindings(all, rules);
  EXPECT_EQ(fake.Hits("/test/ok"), 1);
  EXPECT_EQ(fake.Hits("/test/echo"), 0);
  for (Finding* f : all) {
    ASSERT_TRUE(f->verification);
    if (f->rule == 0) {
      EXPECT_EQ(f->verification->status, VerifyStatus::kVerified);
    } else {
      EXPECT_EQ(f->verification->reason, "checked under the more specific rule acme-token");
    }
  }
}

TEST_F(VerifyHttp, CacheFileAnswersTheNextRunWithoutTheSecret) {
  testing::TempDir dir;
  const std::string cache = (dir.path() / "verify.cache").string();
  const auto rules = Rules(AcmeRule("acme-token", "/ok") + AcmeRule("acme-503", "/503"));
  VerifierOptions o = Options();
  o.cache_file = cache;
  {
    auto v = Verifier::Create(o);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ((*v)->Check(Candidate{&rules[0], kSecret, {}}).status, VerifyStatus::kVerified);
    EXPECT_EQ((*v)->Check(Candidate{&rules[1], kSecret, {}}).status, VerifyStatus::kUnknown);
    ASSERT_TRUE((*v)->SaveCache().ok());
  }
  std::stringstream ss;
  ss << std::ifstream(cache).rdbuf();
  const std::string content = ss.str();
  EXPECT_EQ(content.find("Zq3Lm9Xw2Rt7"), std::string::npos);
  EXPECT_NE(content.find("acme-user"), std::string::npos);
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 1);  // unknowns are not kept
  const int before = fake.Hits("/test/ok");
  {
    auto v = Verifier::Create(o);
    ASSERT_TRUE(v.ok());
    const Verification again = (*v)->Check(Candidate{&rules[0], kSecret, {}});
    EXPECT_EQ(again.status, VerifyStatus::kVerified);
    EXPECT_EQ(again.identity, "acme-user");
    EXPECT_EQ((*v)->counters().cache_hits, 1u);
  }
  EXPECT_EQ(fake.Hits("/test/ok"), before);
  // Expired entries are asked again.
  o.cache_ttl_seconds = -1;
  auto v = Verifier::Create(o);
  ASSERT_TRUE(v.ok());
  (*v)->Check(Candidate{&rules[0], kSecret, {}});
  EXPECT_EQ(fake.Hits("/test/ok"), before + 1);
}

TEST_F(VerifyHttp, PartsArePairedNearbyAndVerifiedTogether) {
  // "acme-id" needs a nearby "acme-key"; the fake's /test/ok wants any bearer, so the request
  // carries the part to prove pairing reached the template.
  const auto rules = testing::RulesFromToml(R"(
provider = "Acme"
[[rule]]
id = "acme-id"
pattern = '''\b(AID[0-9]{8})\b'''
  [rule.verify]
  endpoint = "acme"
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/ok"
  headers = { Authorization = "Bearer {{secret}}:{{part.key}}" }
  parts = { key = { rules = ["acme-key"], max_distance = 100 } }
  references = ["x"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
[[rule]]
id = "acme-key"
pattern = '''\b(AKEY[0-9]{8})\b'''
)");
  FindingSet set;
  auto near = File("near.env");
  auto far = File("far.env");
  Occurrence o;
  o.prov = near;
  o.offset = 10;
  set.Add(0, "acme-id", "AID00000001", o);
  o.offset = 60;
  set.Add(1, "acme-key", "AKEY00000001", o);
  o.prov = far;
  o.offset = 10;
  set.Add(0, "acme-id", "AID00000002", o);
  o.offset = 5000;
  set.Add(1, "acme-key", "AKEY00000002", o);
  std::vector<Finding*> all;
  set.EraseIf([&](Finding& f) {
    all.push_back(&f);
    return false;
  });
  auto verifier = Verifier::Create(Options());
  ASSERT_TRUE(verifier.ok());
  (*verifier)->VerifyFindings(all, rules);
  for (Finding* f : all) {
    ASSERT_TRUE(f->verification) << f->secret;
    const auto& v = *f->verification;
    if (f->secret == "AID00000001" || f->secret == "AKEY00000001") {
      EXPECT_EQ(v.status, VerifyStatus::kVerified) << f->secret;
    } else if (f->secret == "AID00000002") {
      EXPECT_EQ(v.reason, "no key found within 100 bytes to pair with");
    } else {
      EXPECT_EQ(v.reason, "no verifier for this rule");
    }
  }
  EXPECT_EQ(fake.Hits("/test/ok"), 1);
}

}  // namespace
}  // namespace keysweep
