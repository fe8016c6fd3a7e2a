// The template language of `[rule.verify]`: request templates ({{secret}}, {{part.NAME}}) and
// response extraction ({{json:/pointer}}, {{header:name}}), plus the outcome conditions.
// Pure functions and a per-response view; a ResponseView is not thread-safe (it caches the parsed
// JSON), use it from one thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/verify_spec.h"
#include "verifiers/http_client.h"

namespace keysweep::verify {

// Values a request template may use: "secret" and "part.NAME".
using TemplateVars = std::vector<std::pair<std::string, std::string>>;

enum class Encoding { kNone, kUrl };

// Replaces each {{name}} with its value (percent-encoded for kUrl). Unknown names expand to "".
std::string Expand(std::string_view tmpl, const TemplateVars& vars, Encoding enc);

// Expands a URL template. Values that land in the host must be plain DNS labels ([A-Za-z0-9-]),
// so a captured value can never change which host is contacted; otherwise returns nullopt.
std::optional<std::string> ExpandUrl(std::string_view tmpl, const TemplateVars& vars);

std::string PercentEncode(std::string_view s);

// A response, with its JSON body parsed on first use.
class ResponseView {
 public:
  explicit ResponseView(const HttpResponse& r);
  ~ResponseView();
  const HttpResponse& response() const { return r_; }
  // Scalars at a JSON pointer; a "*" segment walks every element of an array. Arrays of scalars
  // yield each element. Null and missing yield nothing.
  std::vector<std::string> Json(std::string_view pointer);
  bool JsonPresent(std::string_view pointer) { return !Json(pointer).empty(); }
  bool JsonEquals(const VerifyOutcome::JsonEquals& want);

 private:
  struct Impl;
  const HttpResponse& r_;
  std::unique_ptr<Impl> impl_;
};

// Expands an extraction template; list values are joined with ",". {{part.NAME}} takes a paired
// value from `vars` (never {{secret}}).
std::string Extract(std::string_view tmpl, ResponseView& view, const TemplateVars& vars = {});

// True if every condition of the outcome holds.
bool OutcomeMatches(const VerifyOutcome& o, std::string_view secret, ResponseView& view);

// Splits a scope list on commas and white space.
std::vector<std::string> SplitScopes(std::string_view s);
// True if any scope matches a pattern (exact, or prefix when the pattern ends with '*').
bool AnyBroadScope(const std::vector<std::string>& scopes, const std::vector<std::string>& patterns);

// Replaces every occurrence of each secret (and its percent-encoded form) in *text by its redaction.
void Scrub(std::string* text, const std::vector<std::string>& secrets);

}  // namespace keysweep::verify
