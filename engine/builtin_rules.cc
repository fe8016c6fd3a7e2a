// Decodes the built-in rule table written by tools/rulegen.cc.
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "engine/embedded_rules.h"
#include "engine/rules.h"

namespace keysweep {

absl::StatusOr<std::vector<Rule>> LoadBuiltinRules() {
  const EmbeddedRuleTable t = BuiltinRuleTable();
  size_t i = 0;
  auto next = [&]() -> std::string_view { return i < t.size ? t.strings[i++] : std::string_view(); };
  auto str = [&]() { return std::string(next()); };
  auto num = [&]() {
    int64_t v = 0;
    const std::string_view s = next();
    (void)absl::SimpleAtoi(absl::string_view(s.data(), s.size()), &v);
    return v;
  };
  std::vector<Rule> rules;
  rules.reserve(static_cast<size_t>(num()));
  while (i < t.size) {
    Rule r;
    r.id = str();
    r.name = str();
    r.provider = str();
    r.category = str();
    r.confidence = static_cast<Confidence>(num());
    r.pattern = str();
    r.prefilter = str();
    r.validate = str();
    r.source = str();
    r.secret_group = static_cast<int>(num());
    r.min_entropy = std::strtod(std::string(next()).c_str(), nullptr);
    r.max_length = static_cast<size_t>(num());
    for (auto* list : {&r.keywords, &r.stopwords, &r.references}) {
      for (int64_t n = num(); n > 0; --n) list->push_back(str());
    }
    for (int64_t n = num(); n > 0; --n) {
      RuleExample e;
      e.text = str();
      e.secret = str();
      r.positives.push_back(std::move(e));
    }
    for (int64_t n = num(); n > 0; --n) r.negatives.push_back({str(), ""});
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace keysweep
