// An in-process fake of the providers' read-only endpoints on 127.0.0.1 (cpp-httplib), answering
// like the real ones (status codes, JSON bodies, headers) for a known good token, an invalid one,
// and "flaky" (503). Each provider lives under a path prefix; HostMap() builds the
// KEYSWEEP_VERIFY_TEST_HOSTS value that routes every provider host there. Generic behaviours for
// the framework tests live under /test/ (slow, redirect, rate limits, counting).
//
// Thread-safety: handlers run on the server's pool; counters are atomic / mutex-guarded.
#pragma once
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "verifiers/aws_sigv4.h"

namespace keysweep::testing {

// Tokens the fake accepts. Anything else is invalid; kFlaky answers 503.
inline constexpr char kFlaky[] = "flaky-token-0000000000000000";
inline constexpr char kGithubGood[] = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
inline constexpr char kGithubFineGrained[] = "github_pat_11ABCDEFG0123456789_abcdefghijklmnop";
inline constexpr char kGitlabGood[] = "glpat-Zq3Lm9Xw2Rt7Yp4Kd8Vn";
inline constexpr char kSlackGood[] = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
inline constexpr char kStripeSecret[] = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
inline constexpr char kStripeRestricted[] = "rk_live_4eC39HqLyjWDarjtT1zdp7dc";
inline constexpr char kAwsKeyId[] = "AKIAQYLPMN5HHHFPZAM2";
inline constexpr char kAwsSecret[] = "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";
inline constexpr char kGoogleGood[] = "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe";
inline constexpr char kGoogleBlocked[] = "AIzaSyBlockedKa4JsXZ-HjGw7ISLn_3namBGew";
inline constexpr char kOpenaiGood[] = "sk-proj-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst";
inline constexpr char kOpenaiNoQuota[] = "sk-proj-nquotaghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst";
inline constexpr char kAnthropicGood[] = "sk-ant-api03-goodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgoodgAA";
inline constexpr char kAnthropicAdmin[] = "sk-ant-admin01-adminadminadminadminadminadminadminadminadminadminadminadminadminadminadmiAA";
inline constexpr char kHfGood[] = "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH";
inline constexpr char kNpmGood[] = "npm_abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr char kSendgridGood[] = "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
inline constexpr char kTwilioKeySid[] = "SK0123456789abcdef0123456789abcdef";
inline constexpr char kTwilioKeySecret[] = "Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6Hj5Gf0Ds";
inline constexpr char kTwilioAccountSid[] = "AC1f2e3d4c5b6a79880716253443526170";
inline constexpr char kTwilioAuthToken[] = "Pq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6Hj5Gf0Ds";
inline constexpr char kMailgunGood[] = "0123456789abcdef0123456789abcdef-0123abcd-4567ef01";
inline constexpr char kDoGood[] = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
inline constexpr char kDatadogGood[] = "0123456789abcdef0123456789abcdef";
inline constexpr char kDiscordGood[] = "MTAxMjM0NTY3ODkwMTIzNDU2.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456";
inline constexpr char kTelegramGood[] = "123456789:AAbcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr char kShopifyGood[] = "shpat_0123456789abcdef0123456789abcdef";
inline constexpr char kShop[] = "acme";

class FakeProviders {
 public:
  // threads: handler threads; keep-alive connections each hold one, so size it to the client's
  // concurrency.
  explicit FakeProviders(size_t threads = 24) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    Routes();
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeProviders() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string Base() const { return "127.0.0.1:" + std::to_string(port_); }
  // host=127.0.0.1:PORT/prefix for every provider host.
  std::string HostMap() const {
    static const std::pair<const char*, const char*> kHosts[] = {
        {"api.github.com", "/github"},          {"gitlab.com", "/gitlab"},
        {"slack.com", "/slack"},                {"api.stripe.com", "/stripe"},
        {"sts.amazonaws.com", "/aws"},          {"generativelanguage.googleapis.com", "/google"},
        {"api.openai.com", "/openai"},          {"api.anthropic.com", "/anthropic"},
        {"huggingface.co", "/hf"},              {"registry.npmjs.org", "/npm"},
        {"api.sendgrid.com", "/sendgrid"},      {"verify.twilio.com", "/twilio"},      {"api.twilio.com", "/twilioapi"},
        {"api.mailgun.net", "/mailgun"},        {"api.digitalocean.com", "/do"},
        {"api.datadoghq.com", "/datadog"},      {"discord.com", "/discord"},
        {"api.telegram.org", "/telegram"},      {"acme.myshopify.com", "/shopify"},
        {"api.acme.test", "/test"},
    };
    std::string out;
    for (const auto& [host, prefix] : kHosts) out += std::string(out.empty() ? "" : ",") + host + "=" + Base() + prefix;
    return out;
  }
  int Hits(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_[path];
  }
  int TotalHits() { return total_.load(); }
  httplib::Server& server() { return server_; }

 private:
  static std::string Bearer(const httplib::Request& r, const char* scheme = "Bearer ") {
    const std::string a = r.get_header_value("Authorization");
    return a.rfind(scheme, 0) == 0 ? a.substr(std::strlen(scheme)) : "";
  }
  static std::string BasicPassword(const httplib::Request& r, std::string* user) {
    const std::string a = r.get_header_value("Authorization");
    if (a.rfind("Basic ", 0) != 0) return "";
    const std::string dec = Base64Decode(a.substr(6));
    const size_t colon = dec.find(':');
    if (colon == std::string::npos) return "";
    *user = dec.substr(0, colon);
    return dec.substr(colon + 1);
  }
  static std::string Base64Decode(const std::string& in) {
    static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
      const size_t v = kAlphabet.find(c);
      if (v == std::string::npos) break;  // '=' padding or junk ends the data
      acc = acc << 6 | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
    return out;
  }
  static void Json(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
  }
  // Common shape: good -> ok(), flaky -> 503, else 401 with `invalid_body`.
  template <typename Ok>
  static void Decide(httplib::Response& res, const std::string& token, const char* good, Ok ok,
                     const std::string& invalid_body, int invalid_status = 401) {
    if (token == good) ok();
    else if (token == kFlaky) Json(res, 503, R"({"message":"service unavailable"})");
    else Json(res, invalid_status, invalid_body);
  }
  void Count(const httplib::Request& r) {
    ++total_;
    std::lock_guard<std::mutex> lock(mu_);
    ++hits_[r.path];
  }

  void Routes();
  void TestRoutes();

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, int> hits_;
  std::atomic<int> total_{0};
  std::atomic<int> ratelimit_calls_{0};
};

inline void FakeProviders::Routes() {
  server_.set_keep_alive_max_count(100000);
  server_.set_tcp_nodelay(true);  // headers and body go out in separate writes: avoid Nagle + delayed ACK
  server_.set_pre_routing_handler([this](const httplib::Request& r, httplib::Response&) {
    Count(r);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.Get("/github/user", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r, "token ");
    if (t == kGithubFineGrained) {
      Json(res, 200, R"({"login":"hubot","id":2})");
      return;
    }
    Decide(res, t, kGithubGood, [&] {
      res.set_header("X-OAuth-Scopes", "repo, read:org");
      res.set_header("GitHub-Authentication-Token-Expiration", "2027-01-01 00:00:00 UTC");
      Json(res, 200, R"({"login":"octocat","id":1,"type":"User"})");
    }, R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"})");
  });
  server_.Get("/gitlab/api/v4/personal_access_tokens/self", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("PRIVATE-TOKEN"), kGitlabGood, [&] {
      Json(res, 200, R"({"id":7,"name":"ci","revoked":false,"created_at":"2024-01-01T00:00:00.000Z","scopes":["api","read_repository"],"user_id":42,"last_used_at":null,"active":true,"expires_at":null})");
    }, R"({"message":"401 Unauthorized"})");
  });
  server_.Post("/slack/api/auth.test", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r);
    if (t == kFlaky) return Json(res, 503, "{}");
    if (t != kSlackGood) return Json(res, 200, R"({"ok":false,"error":"invalid_auth"})");
    res.set_header("x-oauth-scopes", "chat:write,channels:read");
    Json(res, 200, R"({"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"deploybot","team_id":"T1","user_id":"U1","bot_id":"B1"})");
  });
  server_.Get("/stripe/v1/account", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r);
    if (t == kStripeRestricted)
      return Json(res, 403, R"({"error":{"message":"The provided key 'rk_live_****' does not have the required permissions for this endpoint","type":"invalid_request_error"}})");
    Decide(res, t, kStripeSecret, [&] { Json(res, 200, R"({"id":"acct_1Acme","object":"account","email":"ops@acme.test"})"); },
           R"({"error":{"message":"Invalid API Key provided: sk_live_****","type":"invalid_request_error"}})");
  });
  server_.Post("/aws/", [](const httplib::Request& r, httplib::Response& res) {
    // Recompute the SigV4 signature from what arrived, with the secret the fake knows.
    const std::string auth = r.get_header_value("Authorization");
    const size_t c = auth.find("Credential="), s = auth.find("Signature=");
    const std::string key_id = c == std::string::npos ? "" : auth.substr(c + 11, auth.find('/', c) - c - 11);
    const auto error = [&](const char* code) {
      res.status = 403;
      res.set_content(std::string("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>") +
                          code + "</Code><Message>denied</Message></Error></ErrorResponse>",
                      "text/xml");
    };
    if (key_id != kAwsKeyId) return error("InvalidClientTokenId");
    verify::SigV4Request sr;
    sr.method = "POST";
    sr.host = r.get_header_value("Host");
    sr.path = r.path;
    sr.headers = {{"content-type", r.get_header_value("Content-Type")}};
    sr.body = r.body;
    sr.amz_date = r.get_header_value("X-Amz-Date");
    if (s == std::string::npos || auth.substr(s + 10) != verify::SigV4Signature(sr, kAwsSecret))
      return error("SignatureDoesNotMatch");
    res.set_content(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
        "<Arn>arn:aws:iam::123456789012:user/deploy</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
        "</GetCallerIdentityResult></GetCallerIdentityResponse>",
        "text/xml");
  });
  server_.Get("/google/v1beta/models", [](const httplib::Request& r, httplib::Response& res) {
    const std::string k = r.get_param_value("key");
    if (k == kGoogleBlocked)
      return Json(res, 403, R"({"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"reason":"API_KEY_SERVICE_BLOCKED"}]}})");
    Decide(res, k, kGoogleGood, [&] { Json(res, 200, R"({"models":[{"name":"models/gemini-pro"}]})"); },
           R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}})",
           400);
  });
  server_.Get("/openai/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r);
    if (t == kOpenaiNoQuota)
      return Json(res, 429, R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})");
    Decide(res, t, kOpenaiGood, [&] {
      res.set_header("openai-organization", "org-acme");
      Json(res, 200, R"({"object":"list","data":[{"id":"gpt-4o","object":"model"}]})");
    }, R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})");
  });
  server_.Get("/anthropic/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    if (r.get_header_value("anthropic-version").empty()) return Json(res, 400, "{}");
    Decide(res, r.get_header_value("x-api-key"), kAnthropicGood, [&] {
      res.set_header("anthropic-organization-id", "0f1e2d3c-acme");
      Json(res, 200, R"({"data":[{"id":"claude-sonnet-4","type":"model"}],"has_more":true})");
    }, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})");
  });
  server_.Get("/anthropic/v1/organizations/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("x-api-key"), kAnthropicAdmin,
           [&] { Json(res, 200, R"({"id":"0f1e2d3c-acme","name":"Acme","type":"organization"})"); },
           R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})");
  });
  server_.Get("/hf/api/whoami-v2", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kHfGood, [&] {
      Json(res, 200, R"({"type":"user","name":"alice","fullname":"Alice","auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"write","createdAt":"2024-01-01T00:00:00.000Z"}}})");
    }, R"({"error":"Invalid credentials in Authorization header"})");
  });
  server_.Get("/npm/-/whoami", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kNpmGood, [&] { Json(res, 200, R"({"username":"alice"})"); }, R"({"error":"Unauthorized"})");
  });
  server_.Get("/sendgrid/v3/scopes", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kSendgridGood, [&] { Json(res, 200, R"({"scopes":["mail.send","api_keys.create","user.profile.read"]})"); },
           R"({"errors":[{"field":null,"message":"authorization required"}]})");
  });
  server_.Get("/twilio/v2/Services", [](const httplib::Request& r, httplib::Response& res) {
    std::string user;
    const std::string pass = BasicPassword(r, &user);
    Decide(res, user == kTwilioKeySid ? pass : user == kFlaky ? user : std::string("x"), kTwilioKeySecret, [&] {
      Json(res, 200, R"({"services":[{"sid":"VA1","account_sid":"AC0123456789abcdef0123456789abcdef","friendly_name":"login"}],"meta":{"page":0}})");
    }, R"({"code":20003,"message":"Authenticate","status":401})");
  });
  server_.Get(R"(/twilioapi/2010-04-01/Accounts/(AC[0-9a-f]{32})\.json)", [](const httplib::Request& r, httplib::Response& res) {
    std::string user;
    const std::string pass = BasicPassword(r, &user);
    const bool sid_ok = user == r.matches[1].str() && user == kTwilioAccountSid;
    Decide(res, sid_ok || pass == kFlaky ? pass : std::string("x"), kTwilioAuthToken, [&] {
      Json(res, 200, std::string(R"({"sid":")") + kTwilioAccountSid + R"(","friendly_name":"Acme","status":"active","type":"Full"})");
    }, R"({"code":20003,"message":"Authenticate","status":401})");
  });
  server_.Get("/mailgun/v4/domains", [](const httplib::Request& r, httplib::Response& res) {
    std::string user;
    const std::string pass = BasicPassword(r, &user);
    Decide(res, user == "api" ? pass : std::string("x"), kMailgunGood,
           [&] { Json(res, 200, R"({"total_count":1,"items":[{"name":"mg.acme.test","state":"active"}]})"); }, "Forbidden");
  });
  server_.Get("/do/v2/account", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kDoGood, [&] {
      Json(res, 200, R"({"account":{"email":"ops@acme.test","uuid":"b6fr89","status":"active","team":{"uuid":"5df3","name":"Acme"}}})");
    }, R"({"id":"Unauthorized","message":"Unable to authenticate you"})");
  });
  server_.Get("/datadog/api/v1/validate", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("DD-API-KEY"), kDatadogGood, [&] { Json(res, 200, R"({"valid":true})"); },
           R"({"errors":["Forbidden"]})", 403);
  });
  server_.Get("/discord/api/v10/users/@me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r, "Bot "), kDiscordGood, [&] { Json(res, 200, R"({"id":"1012345678","username":"acmebot","bot":true})"); },
           R"({"message":"401: Unauthorized","code":0})");
  });
  server_.Get(R"(/telegram/bot([^/]+)/getMe)", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.matches[1].str(), kTelegramGood,
           [&] { Json(res, 200, R"({"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Acme","username":"acme_bot"}})"); },
           R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
  });
  server_.Get("/shopify/admin/oauth/access_scopes.json", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("X-Shopify-Access-Token"), kShopifyGood,
           [&] { Json(res, 200, R"({"access_scopes":[{"handle":"read_products"},{"handle":"write_orders"}]})"); },
           R"js({"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"})js");
  });
  TestRoutes();
}

inline void FakeProviders::TestRoutes() {
  server_.Get("/test/ok", [](const httplib::Request& r, httplib::Response& res) {
    if (Bearer(r).empty()) return Json(res, 401, "{}");
    Json(res, 200, R"({"user":"acme-user","scopes":["read","admin"]})");
  });
  server_.Get("/test/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    Json(res, 200, "{}");
  });
  server_.Get("/test/redirect", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "http://evil.example/steal");
  });
  // 429 with Retry-After: 1 on the first call, then 200.
  server_.Get("/test/ratelimit-once", [this](const httplib::Request&, httplib::Response& res) {
    if (ratelimit_calls_++ == 0) {
      res.set_header("Retry-After", "1");
      return Json(res, 429, R"({"error":"slow down"})");
    }
    Json(res, 200, R"({"user":"acme-user"})");
  });
  server_.Get("/test/ratelimit-long", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "120");
    Json(res, 429, R"({"error":"slow down"})");
  });
  server_.Get("/test/503", [](const httplib::Request&, httplib::Response& res) { Json(res, 503, "{}"); });
  // Echoes the secret back in a header and the body: results must never carry it.
  server_.Get("/test/echo", [](const httplib::Request& r, httplib::Response& res) {
    res.set_header("X-Echo", Bearer(r));
    Json(res, 200, std::string(R"({"user":"owner of )") + Bearer(r) + "\"}");
  });
}

}  // namespace keysweep::testing
