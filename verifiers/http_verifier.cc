// The declarative check: build the request from the rule's [rule.verify] templates, send it, and let
// the first matching [[rule.verify.when]] decide; then extract identity, scopes and expiry.
#include "absl/time/clock.h"
#include "verifiers/exchange.h"

namespace keysweep::verify {

Verification CheckHttp(const Candidate& c, Exchange& ex) {
  const VerifySpec& spec = *c.rule->verify;
  const TemplateVars vars = c.Vars();
  Verification v;
  const std::optional<std::string> url = ExpandUrl(spec.url, vars);
  if (!url) {
    v.reason = "a paired value is not a host name label; not contacted";
    return v;
  }
  const Target target = ex.Resolve(spec, *url);
  if (!target.error.empty()) {
    v.reason = target.error + "; not contacted";
    return v;
  }
  HttpRequest req;
  req.method = spec.method;
  req.url = target.url;
  req.allow_private = target.allow_private;
  for (const auto& [k, tmpl] : spec.headers) req.headers.emplace_back(k, Expand(tmpl, vars, Encoding::kNone));
  req.body = Expand(spec.body, vars, Encoding::kNone);
  if (spec.basic_auth) {
    req.basic_auth = true;
    req.user = Expand(spec.basic_user, vars, Encoding::kNone);
    req.password = Expand(spec.basic_password, vars, Encoding::kNone);
  }
  // A 429/5xx is final only when an outcome names that status explicitly (OpenAI answers 429
  // "insufficient_quota" for a live key without credit).
  auto decisive = [&](const HttpResponse& r) {
    ResponseView view(r);
    for (const VerifyOutcome& o : spec.outcomes) {
      if (!o.status.empty() && OutcomeMatches(o, c.secret, view)) return true;
    }
    return false;
  };
  const HttpResponse resp = ex.Send(spec, req, decisive);
  v.checked_at = absl::ToUnixSeconds(absl::Now());
  v.status = VerifyStatus::kUnknown;
  if (resp.error != HttpError::kNone) {
    v.reason = UndecidedReason(resp);
    return v;
  }
  ResponseView view(resp);
  const VerifyOutcome* decided = nullptr;
  for (const VerifyOutcome& o : spec.outcomes) {
    if (OutcomeMatches(o, c.secret, view)) {
      decided = &o;
      break;
    }
  }
  if (decided == nullptr) {
    v.reason = UndecidedReason(resp);
    return v;
  }
  v.reason = decided->reason;
  switch (decided->verdict) {
    case VerifyVerdict::kVerified: v.status = VerifyStatus::kVerified; break;
    case VerifyVerdict::kInvalid: v.status = VerifyStatus::kInvalid; return v;
    case VerifyVerdict::kUnknown:
      if (v.reason.empty()) v.reason = UndecidedReason(resp);
      return v;
  }
  v.identity = Extract(spec.identity, view, vars);
  v.scopes = SplitScopes(Extract(spec.scopes, view, vars));
  v.expires_at = Extract(spec.expires_at, view, vars);
  v.broad_scope = decided->broad_scope || AnyBroadScope(v.scopes, spec.broad_scopes);
  v.no_expiry = spec.never_expires || (!spec.expires_at.empty() && v.expires_at.empty());
  return v;
}

}  // namespace keysweep::verify
