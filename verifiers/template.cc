#include "verifiers/template.h"

#include <simdjson.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "engine/findings.h"
#include "engine/strings.h"

namespace keysweep::verify {
namespace {

std::string_view Lookup(std::string_view name, const TemplateVars& vars) {
  for (const auto& [k, v] : vars) {
    if (k == name) return v;
  }
  return {};
}

bool IsLabel(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (!(absl::ascii_isalnum(c) || c == '-')) return false;
  }
  return true;
}

void AppendScalar(const simdjson::dom::element& e, std::vector<std::string>* out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::STRING: out->emplace_back(std::string_view(e.get_string().value_unsafe())); break;
    case element_type::INT64: out->push_back(std::to_string(e.get_int64().value_unsafe())); break;
    case element_type::UINT64: out->push_back(std::to_string(e.get_uint64().value_unsafe())); break;
    case element_type::DOUBLE: out->push_back(std::to_string(e.get_double().value_unsafe())); break;
    case element_type::BOOL: out->push_back(e.get_bool().value_unsafe() ? "true" : "false"); break;
    case element_type::ARRAY: {
      const simdjson::dom::array arr = e.get_array().value_unsafe();  // named: outlives the loop
      for (simdjson::dom::element x : arr) {
        if (x.type() != element_type::ARRAY && x.type() != element_type::OBJECT) AppendScalar(x, out);
      }
      break;
    }
    default: break;  // null, objects: nothing to show
  }
}

// Walks `pointer` from e; "*" segments fan out over arrays.
void Walk(const simdjson::dom::element& e, std::string_view pointer, std::vector<std::string>* out) {
  const size_t star = pointer.find("/*");
  const bool fan = star != std::string_view::npos &&
                   (star + 2 == pointer.size() || pointer[star + 2] == '/');
  if (!fan) {
    auto r = e.at_pointer(pointer);
    if (!r.error()) AppendScalar(r.value_unsafe(), out);
    return;
  }
  simdjson::dom::element head = e;
  if (star > 0) {
    auto r = e.at_pointer(pointer.substr(0, star));
    if (r.error()) return;
    head = r.value_unsafe();
  }
  auto arr = head.get_array();
  if (arr.error()) return;
  for (simdjson::dom::element x : arr.value_unsafe()) Walk(x, pointer.substr(star + 2), out);
}

}  // namespace

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Copies the literal text of `tmpl` to *out and calls fill(name, out) for each {{name}}.
template <typename Fill>
void WalkTemplate(std::string_view tmpl, std::string* out, Fill fill) {
  size_t pos = 0;
  while (true) {
    const size_t open = tmpl.find("{{", pos);
    const size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open);
    if (close == std::string_view::npos) {
      out->append(tmpl.substr(pos));
      return;
    }
    out->append(tmpl.substr(pos, open - pos));
    fill(tmpl.substr(open + 2, close - open - 2), out);
    pos = close + 2;
  }
}

std::string Expand(std::string_view tmpl, const TemplateVars& vars, Encoding enc) {
  std::string out;
  WalkTemplate(tmpl, &out, [&](std::string_view name, std::string* o) {
    std::string_view v = Lookup(name, vars);
    if (enc == Encoding::kUrl) *o += PercentEncode(v);
    else o->append(v);
  });
  return out;
}

std::optional<std::string> ExpandUrl(std::string_view tmpl, const TemplateVars& vars) {
  const size_t scheme = tmpl.find("://");
  const size_t path = scheme == std::string_view::npos ? 0 : tmpl.find_first_of("/?#", scheme + 3);
  const std::string_view authority = tmpl.substr(0, path == std::string_view::npos ? tmpl.size() : path);
  for (size_t p = 0; (p = authority.find("{{", p)) != std::string_view::npos; p += 2) {
    const size_t e = authority.find("}}", p);
    if (e == std::string_view::npos) return std::nullopt;
    if (!IsLabel(Lookup(authority.substr(p + 2, e - p - 2), vars))) return std::nullopt;
  }
  return Expand(tmpl, vars, Encoding::kUrl);
}

struct ResponseView::Impl {
  bool parsed = false;
  bool ok = false;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
};

ResponseView::ResponseView(const HttpResponse& r) : r_(r), impl_(std::make_unique<Impl>()) {}
ResponseView::~ResponseView() = default;

std::vector<std::string> ResponseView::Json(std::string_view pointer) {
  std::vector<std::string> out;
  if (!impl_->parsed) {
    impl_->parsed = true;
    auto doc = impl_->parser.parse(r_.body.data(), r_.body.size(), /*realloc_if_needed=*/true);
    impl_->ok = !doc.error();
    if (impl_->ok) impl_->root = doc.value_unsafe();
  }
  if (impl_->ok) Walk(impl_->root, pointer, &out);
  return out;
}

bool ResponseView::JsonEquals(const VerifyOutcome::JsonEquals& want) {
  Json("");  // parse
  if (!impl_->ok) return false;
  auto r = impl_->root.at_pointer(want.pointer);
  if (r.error()) return false;
  const simdjson::dom::element e = r.value_unsafe();
  using T = VerifyOutcome::JsonEquals::Type;
  switch (want.type) {
    case T::kBool: return e.is_bool() && (e.get_bool().value_unsafe() ? "true" : "false") == want.value;
    case T::kInt: return (e.is_int64() && std::to_string(e.get_int64().value_unsafe()) == want.value) ||
                         (e.is_uint64() && std::to_string(e.get_uint64().value_unsafe()) == want.value);
    case T::kString: return e.is_string() && std::string_view(e.get_string().value_unsafe()) == want.value;
  }
  return false;
}

std::string Extract(std::string_view tmpl, ResponseView& view, const TemplateVars& vars) {
  std::string out;
  WalkTemplate(tmpl, &out, [&](std::string_view src, std::string* o) {
    if (src.substr(0, 5) == "json:") {
      const auto values = view.Json(src.substr(5));
      for (size_t i = 0; i < values.size(); ++i) Append(o, i ? "," : "", values[i]);
    } else if (src.substr(0, 7) == "header:") {
      o->append(view.response().Header(absl::AsciiStrToLower(absl::string_view(src.data() + 7, src.size() - 7))));
    } else if (src.substr(0, 5) == "part.") {
      o->append(Lookup(src, vars));
    }
  });
  // Provider text reaches terminals: no control characters (escape sequences), bounded length.
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (out.size() > 256) out.resize(256);
  // A template whose sources were all missing leaves only its literal glue: treat as empty.
  bool any = false;
  for (char c : out) any = any || absl::ascii_isalnum(c);
  return any ? std::string(absl::StripAsciiWhitespace(out)) : std::string();
}

bool OutcomeMatches(const VerifyOutcome& o, std::string_view secret, ResponseView& view) {
  const HttpResponse& r = view.response();
  if (!o.status.empty() && std::find(o.status.begin(), o.status.end(), r.status) == o.status.end()) return false;
  if (!o.secret_prefix.empty() && secret.substr(0, o.secret_prefix.size()) != o.secret_prefix) return false;
  for (const auto& h : o.header_present) {
    if (r.Header(h).empty()) return false;
  }
  if (!o.body_contains.empty() && r.body.find(o.body_contains) == std::string::npos) return false;
  for (const auto& p : o.json_present) {
    if (!view.JsonPresent(p)) return false;
  }
  for (const auto& j : o.json) {
    if (!view.JsonEquals(j)) return false;
  }
  return true;
}

std::vector<std::string> SplitScopes(std::string_view s) {
  std::vector<std::string> out;
  for (absl::string_view p : absl::StrSplit(absl::string_view(s.data(), s.size()), absl::ByAnyChar(", \t"),
                                            absl::SkipEmpty())) {
    out.emplace_back(p);
  }
  return out;
}

bool AnyBroadScope(const std::vector<std::string>& scopes, const std::vector<std::string>& patterns) {
  for (const auto& s : scopes) {
    for (const auto& p : patterns) {
      if (!p.empty() && p.back() == '*' ? s.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0 : s == p) return true;
    }
  }
  return false;
}

void Scrub(std::string* text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.size() < 4) continue;
    for (const std::string& form : {s, PercentEncode(s)}) {
      const std::string red = Redact(s);
      for (size_t p; (p = text->find(form)) != std::string::npos;) text->replace(p, form.size(), red);
    }
  }
}

}  // namespace keysweep::verify
