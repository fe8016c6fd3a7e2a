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
inline constexpr char kOpenrouterGood[] = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
inline constexpr char kGroqGood[] = "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";
inline constexpr char kMistralGood[] = "097SHzxgQA6TCvY4dhKMlRdZQ9QsTXUu";
inline constexpr char kCohereGood[] = "M0XvqZjxTW3xvboSRt5Mh3dAwVtRMflhbmuaptt0";
inline constexpr char kDeepseekGood[] = "sk-ba9032050d09c5892503e12b47fa42f9";
inline constexpr char kXaiGood[] = "xai-lsS2aQnjUHc6LZQ9SMDcEVV8bOhUVXoqmaQzE4ftUvXQIChPnlnhG2BqxLHmAuMe57l9JuO4iIhOvqiZ";
inline constexpr char kXaiDisabled[] = "xai-disabledHc6LZQ9SMDcEVV8bOhUVXoqmaQzE4ftUvXQIChPnlnhG2BqxLHmAuMe57l9JuO4iIhOvqiZ";
inline constexpr char kReplicateGood[] = "r8_fNcAKEIOUttYpATIk27f4t3tGolUByxRmXBYQ";
inline constexpr char kElevenlabsGood[] = "sk_cbc5fbb5ecb983b410e6f58de9b9d56191e28c2f2388dc10";
inline constexpr char kElevenlabsScoped[] = "sk_da5bffacefd697312bba82af983eadec108b08c3ce052e96";
inline constexpr char kDeepgramGood[] = "f0b0947c5eba021711473613ef6c2e0ef82b15fc";
inline constexpr char kPineconeGood[] = "pcsk_mY6xWu_tgCg4zjIccvbkmUAolhChZ9oZGrp27YmBnBZ7HAOtEsxtTFSlEtNoQaoBOkwwOA";
inline constexpr char kTogetherGood[] = "tgp_v1_FfqRgz7IhYePP2lny2pg17-dUM2jNKogorTAuRVpQ09";
inline constexpr char kNotionGood[] = "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";
inline constexpr char kAirtableGood[] = "pateAdy60mryL9I6Z.afbb8b64cb580fac27cd8995efeba9032050d09c5892503e12b47fa42f93ceaf";
inline constexpr char kAsanaGood[] = "2/8079920150527475/8219118205981811:931da53f50a0be52d057e0bd04ab3005";
inline constexpr char kFigmaGood[] = "figd_5KNw5nrbt33uKs3TWGJrdLl4YmCgC2lVP192Efzv";
inline constexpr char kPostmarkGood[] = "0999d0de-11ff-4b34-8090-90ea0c7e520c";
inline constexpr char kBrevoGood[] = "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";
inline constexpr char kNetlifyGood[] = "nfp_Nb2NItTKwMKdWf701FC6ZrxtSw9kP8tHjgDlPqaN";
inline constexpr char kVercelGood[] = "vcp_Sg1BagV6DbZbF4eTf6kfoN6fdQQ3aRPnIdztwzYa5z07YLlLl834EaHf";
inline constexpr char kVercelOther[] = "vck_UpzaujrVxSMLUCtNIU6g3SEvHzTLOgAtKKDbNHMnCK1ncyOyZj0DaiF3";
inline constexpr char kHerokuGood[] = "HRKU-AAnWniGB2MJULCpHNqco8XIkwKt_YQQvnv6WPmmpWwSayb8dFEPgrGqM9PnO";
inline constexpr char kRenderGood[] = "rnd_G5u0ziE1V3VeQ1DFZXSnuYCI5sGdKfZZ";
inline constexpr char kDopplerGood[] = "dp.pt.PTMRQ5up3vpnJ7EVsJX8DshzaFaFDQ5Fzfxwpq1celE";
inline constexpr char kTerraformGood[] = "EYoGJzGgCc4WgI.atlasv1.l26lOZye1oQ8JwGZ63oV_z6HQ95QGtL55pnYoXEqSSMFwmqyf3loKcQHQleDNjawVci";
inline constexpr char kPulumiGood[] = "pul-d22f5ef968c7a7f77abad2adbe7659dce33c48b3";
inline constexpr char kCircleciGood[] = "CCIPAT_BxYAOguTaUlYP0QWFDpA3B_af2e3c9bec8a6482bb08e6e380716bf94c3535db";
inline constexpr char kBuildkiteGood[] = "bkua_ea4183076b91e4b346b3f8ab7f5e9f998893eaf9";
inline constexpr char kSentryGood[] = "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";
inline constexpr char kPagerdutyUserGood[] = "u+PE-2lpGCULRiaV3TW2";
inline constexpr char kPagerdutyKeyGood[] = "9p_Sgt_mPP8OjH6Fgp5E";
inline constexpr char kHoneycombGood[] = "hcaik_g0ng1ptdvrwou30qho9tchc9p4dvxz2c8kiydgspnb8tbt2ihy458pmxi4";
inline constexpr char kLaunchdarklyGood[] = "api-97f1ac22-e18c-4de7-9927-3c6ac27d6c65";
inline constexpr char kMapboxGood[] = "sk.eyJ1Ijoid293dHdsY29nIiwiYSI6ImMzZHhqcWNwZ3phMTA0ZjZ6dHFoMmFvdzUifQ.AlW9Ru2kF2AyE6YQD1GvZF";
inline constexpr char kSquareGood[] = "EAAAkzuPMnJ_4lcQShL60BWIjzyn9kfzBAA2opABKMsMne0PWtZwNroDa9Qa6PzK";
inline constexpr char kPaystackGood[] = "sk_live_3491fb94259262c05ebf4db37d0ff25c678ecc72";
inline constexpr char kCloudflareGood[] = "cfut_Lx8zACbRd9amHlMHYJhansFeCDOLyinZBGtQZciQ548d4e95";
inline constexpr char kCloudflareAccount[] = "cfat_jesoC4KmH2yba7OOibrMkRSiHYrNMwph5CVxCv8g9f2dd137";
inline constexpr char kFastlyGood[] = "J2GWsheLUaE1VjxSyhIfvjtOj03Ft5ij";
inline constexpr char kLinodeGood[] = "a3732fd8b167d7a59d2c54e3c3a969e93f5e4e1fc190234e4ea69968665ace09";
inline constexpr char kVultrGood[] = "42WQIRUTENEGHZXK7D8YUJYMC5KT86KNI32L";
inline constexpr char kPostmanGood[] = "PMAK-2a4e5d4697ea93ff69b52573-13aee99add6cd71b8890a6299c08927cae";

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
        {"openrouter.ai", "/openrouter"},       {"api.groq.com", "/groq"},
        {"api.mistral.ai", "/mistral"},         {"api.cohere.com", "/cohere"},
        {"api.deepseek.com", "/deepseek"},      {"api.x.ai", "/xai"},
        {"api.replicate.com", "/replicate"},    {"api.elevenlabs.io", "/elevenlabs"},
        {"api.deepgram.com", "/deepgram"},      {"api.pinecone.io", "/pinecone"},
        {"api.together.xyz", "/together"},      {"api.notion.com", "/notion"},
        {"api.airtable.com", "/airtable"},      {"app.asana.com", "/asana"},
        {"api.figma.com", "/figma"},            {"api.postmarkapp.com", "/postmark"},
        {"api.brevo.com", "/brevo"},            {"api.netlify.com", "/netlify"},
        {"api.vercel.com", "/vercel"},          {"api.heroku.com", "/heroku"},
        {"api.render.com", "/render"},          {"api.doppler.com", "/doppler"},
        {"app.terraform.io", "/tfc"},           {"api.pulumi.com", "/pulumi"},
        {"circleci.com", "/circleci"},          {"api.buildkite.com", "/buildkite"},
        {"sentry.io", "/sentry"},               {"api.pagerduty.com", "/pagerduty"},
        {"api.honeycomb.io", "/honeycomb"},     {"app.launchdarkly.com", "/launchdarkly"},
        {"api.mapbox.com", "/mapbox"},          {"connect.squareup.com", "/square"},
        {"api.paystack.co", "/paystack"},       {"api.cloudflare.com", "/cloudflare"},
        {"api.fastly.com", "/fastly"},          {"api.linode.com", "/linode"},
        {"api.vultr.com", "/vultr"},            {"api.getpostman.com", "/postman"},
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
  void MoreProviderRoutes();
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
  MoreProviderRoutes();
  TestRoutes();
}

// The providers added with verify-more: same shapes as above, one route per provider.
inline void FakeProviders::MoreProviderRoutes() {
  server_.Get("/openrouter/api/v1/key", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kOpenrouterGood, [&] {
      Json(res, 200, R"({"data":{"label":"ci-pipeline","usage":1.25,"limit":null,"is_free_tier":false,"limit_remaining":null,"is_provisioning_key":false}})");
    }, R"({"error":{"message":"No auth credentials found","code":401}})");
  });
  server_.Get("/groq/openai/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kGroqGood, [&] { Json(res, 200, R"({"object":"list","data":[{"id":"llama-3.3-70b-versatile","object":"model","owned_by":"Meta"}]})"); },
           R"({"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}})");
  });
  server_.Get("/mistral/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kMistralGood, [&] { Json(res, 200, R"({"object":"list","data":[{"id":"mistral-large-latest","object":"model"}]})"); },
           R"({"message":"Unauthorized","request_id":"4f1e"})");
  });
  server_.Get("/cohere/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    if (r.get_param_value("page_size") != "1") return Json(res, 400, R"({"message":"page_size"})");
    Decide(res, Bearer(r), kCohereGood, [&] { Json(res, 200, R"({"models":[{"name":"command-r-plus","endpoints":["chat"]}],"next_page_token":"x"})"); },
           R"({"message":"invalid api token"})");
  });
  server_.Get("/deepseek/user/balance", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kDeepseekGood, [&] {
      Json(res, 200, R"({"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]})");
    }, R"({"error":{"message":"Authentication Fails, Your api key: ****42f9 is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}})");
  });
  server_.Get("/xai/v1/api-key", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r);
    const auto key = [&](const char* disabled) {
      Json(res, 200, std::string(R"({"redacted_api_key":"xai-...iZ","user_id":"59fbe5f2","name":"ci key","create_time":"2024-01-01T12:55:18Z","modify_time":"2024-08-28T17:20:12Z","modified_by":"3d38b4dc","team_id":"5ea6f6bd","acls":["api-key:model:*","api-key:endpoint:*"],"api_key_id":"ae1e1841","team_blocked":false,"api_key_blocked":false,"api_key_disabled":)") + disabled + "}");
    };
    if (t == kXaiDisabled) return key("true");
    Decide(res, t, kXaiGood, [&] { key("false"); },
           R"({"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***iZ. You can obtain an API key from https://console.x.ai."})", 400);
  });
  server_.Get("/replicate/v1/account", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kReplicateGood, [&] { Json(res, 200, R"({"type":"organization","username":"acme","name":"Acme","github_url":"https://github.com/acme"})"); },
           R"({"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401})");
  });
  server_.Get("/elevenlabs/v1/user", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = r.get_header_value("xi-api-key");
    if (t == kElevenlabsScoped)
      return Json(res, 401, R"({"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission user_read to execute this operation."}})");
    Decide(res, t, kElevenlabsGood, [&] {
      Json(res, 200, R"({"user_id":"u1Acme","subscription":{"tier":"creator","character_count":100,"character_limit":100000},"is_new_user":false,"first_name":"Ada"})");
    }, R"({"detail":{"status":"invalid_api_key","message":"Invalid API key"}})");
  });
  server_.Get("/deepgram/v1/projects", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r, "Token "), kDeepgramGood, [&] { Json(res, 200, R"({"projects":[{"project_id":"3b8e","name":"Acme Voice"}]})"); },
           R"({"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"a1"})");
  });
  server_.Get("/pinecone/indexes", [](const httplib::Request& r, httplib::Response& res) {
    if (r.get_header_value("X-Pinecone-API-Version").empty()) return Json(res, 400, "{}");
    Decide(res, r.get_header_value("Api-Key"), kPineconeGood, [&] { Json(res, 200, R"({"indexes":[{"name":"docs","dimension":1536,"metric":"cosine"}]})"); },
           R"({"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401})");
  });
  server_.Get("/together/v1/models", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kTogetherGood, [&] { Json(res, 200, R"([{"id":"meta-llama/Llama-3.3-70B-Instruct-Turbo","object":"model","type":"chat"}])"); },
           R"({"error":{"message":"Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}})");
  });
  server_.Get("/notion/v1/users/me", [](const httplib::Request& r, httplib::Response& res) {
    if (r.get_header_value("Notion-Version").empty()) return Json(res, 400, R"({"object":"error","status":400,"code":"missing_version"})");
    Decide(res, Bearer(r), kNotionGood, [&] {
      Json(res, 200, R"({"object":"user","id":"16d84278","name":"Deploy bot","avatar_url":null,"type":"bot","bot":{"owner":{"type":"workspace","workspace":true},"workspace_name":"Acme"}})");
    }, R"({"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."})");
  });
  server_.Get("/airtable/v0/meta/whoami", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kAirtableGood, [&] {
      Json(res, 200, R"({"id":"usrL2PNC5o3H4lBEi","email":"ops@acme.test","scopes":["data.records:read","data.records:write","schema.bases:read"]})");
    }, R"({"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}})");
  });
  server_.Get("/asana/api/1.0/users/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kAsanaGood, [&] { Json(res, 200, R"({"data":{"gid":"12345","email":"gsanchez@acme.test","name":"Greg Sanchez"}})"); },
           R"({"errors":[{"message":"Not Authorized","help":"For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors"}]})");
  });
  server_.Get("/figma/v1/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("X-Figma-Token"), kFigmaGood, [&] {
      Json(res, 200, R"({"id":"1029","email":"designer@acme.test","handle":"Dee","img_url":"https://s3-alpha.figma.com/profile/x"})");
    }, R"({"status":403,"err":"Invalid token"})", 403);
  });
  server_.Get("/postmark/server", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("X-Postmark-Server-Token"), kPostmarkGood, [&] {
      Json(res, 200, std::string(R"({"ID":1,"Name":"Production","ApiTokens":[")") + kPostmarkGood + R"("],"Color":"red","SmtpApiActivated":true})");
    }, R"({"ErrorCode":10,"Message":"Request does not contain a valid Server token."})");
  });
  server_.Get("/brevo/v3/account", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("api-key"), kBrevoGood, [&] {
      Json(res, 200, R"({"email":"marketing@acme.test","firstName":"Ann","lastName":"Lee","companyName":"Acme","plan":[{"type":"free","credits":300}]})");
    }, R"({"message":"Key not found","code":"unauthorized"})");
  });
  server_.Get("/netlify/api/v1/user", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kNetlifyGood, [&] { Json(res, 200, R"({"id":"5d1f","uid":null,"full_name":"Jo Dev","email":"jo@acme.test"})"); },
           R"({"code":401,"message":"Access Denied: your credentials are invalid"})");
  });
  server_.Get("/vercel/v2/user", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kVercelGood, [&] { Json(res, 200, R"({"user":{"id":"AEIIDYVk59zbFF2Sxfyxxmua","email":"me@acme.test","name":"Me","username":"acme-me"}})"); },
           R"({"error":{"code":"forbidden","message":"Not authorized","invalidToken":true}})", 403);
  });
  server_.Get("/heroku/account", [](const httplib::Request& r, httplib::Response& res) {
    if (r.get_header_value("Accept") != "application/vnd.heroku+json; version=3")
      return Json(res, 400, R"({"id":"bad_request","message":"Please specify a version"})");
    Decide(res, Bearer(r), kHerokuGood, [&] { Json(res, 200, R"({"email":"dev@acme.test","id":"01234567-89ab-cdef","name":"Dev","verified":true})"); },
           R"({"id":"unauthorized","message":"Invalid credentials provided."})");
  });
  server_.Get("/render/v1/owners", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kRenderGood, [&] { Json(res, 200, R"([{"owner":{"id":"tea-c5","name":"Acme","email":"ops@acme.test","type":"team"},"cursor":"abc"}])"); },
           R"({"id":"unauthorized","message":"unauthorized"})");
  });
  server_.Get("/doppler/v3/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kDopplerGood, [&] {
      Json(res, 200, R"({"workplace":{"slug":"acme","name":"Acme"},"type":"personal","token_preview":"dp.pt.PTM...","slug":"t1","name":"laptop","created_at":"2024-01-01T00:00:00.000Z","last_seen_at":null})");
    }, R"({"messages":["Invalid Auth token"],"success":false})");
  });
  server_.Get("/tfc/api/v2/account/details", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kTerraformGood, [&] {
      Json(res, 200, R"({"data":{"id":"user-V3R563qtJNcExAkN","type":"users","attributes":{"username":"admin","is-service-account":false,"email":"admin@acme.test"}}})");
    }, R"({"errors":[{"status":"401","title":"unauthorized"}]})");
  });
  server_.Get("/pulumi/api/user", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r, "token "), kPulumiGood, [&] {
      Json(res, 200, R"({"name":"Pat","githubLogin":"pat-acme","avatarUrl":"","email":"pat@acme.test","organizations":[{"githubLogin":"acme","name":"Acme"}]})");
    }, R"({"code":401,"message":"Unauthorized: No credentials provided or are invalid."})");
  });
  server_.Get("/circleci/api/v2/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("Circle-Token"), kCircleciGood, [&] { Json(res, 200, R"({"id":"c0ffee","login":"ci-acme","name":"CI"})"); },
           R"({"message":"You must log in first."})");
  });
  server_.Get("/buildkite/v2/access-token", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kBuildkiteGood, [&] {
      Json(res, 200, R"({"uuid":"b63254c0","scopes":["read_builds","write_builds"],"description":"deploys","created_at":"2024-01-01T00:00:00Z","user":{"name":"Bo","email":"bo@acme.test"}})");
    }, R"({"message":"Authentication required. Please supply a valid API Access Token: https://buildkite.com/docs/apis/rest-api#authentication"})");
  });
  server_.Get("/sentry/api/0/organizations/", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kSentryGood, [&] { Json(res, 200, R"([{"id":"1","slug":"acme","name":"Acme"},{"id":"2","slug":"acme-labs","name":"Acme Labs"}])"); },
           R"({"detail":"Invalid token"})");
  });
  server_.Get("/pagerduty/users/me", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = Bearer(r, "Token token=");
    if (t == kPagerdutyKeyGood)
      return Json(res, 400, R"({"error":{"message":"Invalid Input Provided","code":2001,"errors":["Requires a user-level API token."]}})");
    Decide(res, t, kPagerdutyUserGood, [&] { Json(res, 200, R"({"user":{"id":"PXPGF42","name":"Earline Greenholt","email":"earline@acme.test","role":"admin"}})"); },
           R"({"error":{"message":"Authentication failed","code":2006}})");
  });
  server_.Get("/pagerduty/abilities", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r, "Token token="), kPagerdutyKeyGood,
           [&] { Json(res, 200, R"({"abilities":["sso","advanced_reports","teams"]})"); },
           R"({"error":{"message":"Authentication failed","code":2006}})");
  });
  server_.Get("/honeycomb/1/auth", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("X-Honeycomb-Team"), kHoneycombGood, [&] {
      Json(res, 200, R"({"id":"hcaik_01","type":"ingest","api_key_access":{"events":true,"markers":false},"environment":{"name":"Production","slug":"prod"},"team":{"name":"Acme","slug":"acme"}})");
    }, R"({"error":"unknown API key - check your credentials"})");
  });
  server_.Get("/launchdarkly/api/v2/caller-identity", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("Authorization"), kLaunchdarklyGood, [&] {
      Json(res, 200, R"({"accountId":"acct-1","authKind":"token","tokenKind":"personal","tokenName":"deploy","tokenId":"t1","memberId":"m1","serviceToken":false})");
    }, R"({"code":"unauthorized","message":"Invalid access token"})");
  });
  server_.Get("/mapbox/tokens/v2", [](const httplib::Request& r, httplib::Response& res) {
    const std::string t = r.get_param_value("access_token");
    if (t == kFlaky) return Json(res, 503, R"({"message":"service unavailable"})");
    if (t != kMapboxGood) return Json(res, 401, R"({"code":"TokenInvalid","token":null})");
    Json(res, 200, R"({"code":"TokenValid","token":{"usage":"sk","user":"acme-maps","authorization":"cijucimbe000brbkt48d0dhcx"}})");
  });
  server_.Get("/square/v2/merchants/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kSquareGood, [&] {
      Json(res, 200, R"({"merchant":{"id":"MLEFBHHSJGVHD","business_name":"Acme Coffee","country":"US","currency":"USD","status":"ACTIVE"}})");
    }, R"({"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]})");
  });
  server_.Get("/paystack/balance", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kPaystackGood, [&] {
      Json(res, 200, R"({"status":true,"message":"Balances retrieved","data":[{"currency":"NGN","balance":1234500}]})");
    }, R"({"status":false,"message":"Invalid key"})");
  });
  server_.Get("/cloudflare/client/v4/user/tokens/verify", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kCloudflareGood, [&] {
      Json(res, 200, R"({"result":{"id":"ed17574386854bf78a67040be0a770b0","status":"active","expires_on":"2027-06-30T00:00:00Z"},"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active","type":null}]})");
    }, R"({"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null})");
  });
  server_.Get("/fastly/tokens/self", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("Fastly-Key"), kFastlyGood, [&] {
      Json(res, 200, R"({"id":"5Yo3XXnrQpjc20u0ybrf2g","user_id":"4y5K5trZocEAQYkesWlk7M","customer_id":"x4xCwxxJxGCx123Rx5xTx","name":"purge-bot","scope":"global purge_all","services":[],"expires_at":null,"created_at":"2024-01-01T00:00:00Z"})");
    }, R"({"msg":"Provided credentials are missing or invalid"})");
  });
  server_.Get("/linode/v4/profile", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kLinodeGood, [&] { Json(res, 200, R"({"uid":1234,"username":"acme-ops","email":"ops@acme.test","restricted":false})"); },
           R"({"errors":[{"reason":"Invalid Token"}]})");
  });
  server_.Get("/vultr/v2/account", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, Bearer(r), kVultrGood, [&] {
      Json(res, 200, R"({"account":{"name":"Acme","email":"ops@acme.test","acls":["subscriptions","dns"],"balance":-5.5,"pending_charges":0}})");
    }, R"({"error":"Invalid API token.","status":401})");
  });
  server_.Get("/postman/me", [](const httplib::Request& r, httplib::Response& res) {
    Decide(res, r.get_header_value("X-API-Key"), kPostmanGood, [&] {
      Json(res, 200, R"({"user":{"id":12345678,"username":"taylor-lee","email":"taylor@acme.test","fullName":"Taylor Lee","teamName":"Acme"}})");
    }, R"({"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}})");
  });
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
