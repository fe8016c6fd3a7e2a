#include "engine/strings.h"
#include "engine/matcher.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include <hs/hs.h>
#include <pcre2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/hs_cache.h"

namespace keysweep {
namespace {

// Confirm windows are capped so that one hit costs bounded work.
constexpr size_t kMaxWindow = 8192;
constexpr size_t kDefaultUnboundedWindow = 4096;

struct HsDatabaseDeleter { void operator()(hs_database_t* d) const { hs_free_database(d); } };
struct HsScratchDeleter { void operator()(hs_scratch_t* s) const { hs_free_scratch(s); } };
struct Pcre2CodeDeleter { void operator()(pcre2_code* c) const { pcre2_code_free(c); } };
struct Pcre2MatchDataDeleter { void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); } };
struct Pcre2JitStackDeleter { void operator()(pcre2_jit_stack* s) const { pcre2_jit_stack_free(s); } };
struct Pcre2MatchContextDeleter { void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); } };

constexpr uint32_t kPcreOptions = PCRE2_MULTILINE;
constexpr unsigned kHsFlags = HS_FLAG_MULTILINE;

// Compiles a rule's regex with PCRE2 (no JIT). Errors name the rule.
absl::StatusOr<std::unique_ptr<pcre2_code, Pcre2CodeDeleter>> CompilePcre(const Rule& r) {
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.pattern.data()), r.pattern.size(),
                                   kPcreOptions, &err, &off, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return absl::InvalidArgumentError(Cat(r.source, ": rule '", r.id, "': PCRE2 rejects the pattern at offset ",
                                                   off, ": ", reinterpret_cast<const char*>(msg)));
  }
  return std::unique_ptr<pcre2_code, Pcre2CodeDeleter>(code);
}

// Confirm window of a rule: how far before (and after) a Hyperscan hit the full match may reach.
absl::StatusOr<uint32_t> RuleWindow(const Rule& r) {
  if (r.max_length > 0) return static_cast<uint32_t>(std::min(r.max_length, kMaxWindow));
  if (!r.prefilter.empty()) return static_cast<uint32_t>(kDefaultUnboundedWindow);
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(r.pattern.c_str(), kHsFlags, &info, &err) != HS_SUCCESS) {
    std::string msg = err ? err->message : "unknown error";
    hs_free_compile_error(err);
    return absl::InvalidArgumentError(Cat(r.source, ": rule '", r.id, "': Hyperscan rejects the pattern: ", msg));
  }
  size_t w = info->max_width == UINT_MAX ? kDefaultUnboundedWindow : std::min<size_t>(info->max_width, kMaxWindow);
  std::free(info);
  return static_cast<uint32_t>(std::max<size_t>(w, 1));
}

}  // namespace

struct Matcher::Impl {
  std::unique_ptr<hs_database_t, HsDatabaseDeleter> db;
  std::vector<uint32_t> windows;
  // PCRE2 programs are compiled (with JIT) on a rule's first hit: most rules never fire in a given
  // scan, and compiling hundreds of them up front would dominate a small scan's start-up.
  struct Confirmer {
    std::once_flag once;
    std::unique_ptr<pcre2_code, Pcre2CodeDeleter> code;
    uint32_t capture_count = 0;
    int secret_group = 0;
  };
  std::unique_ptr<Confirmer[]> confirmers;
  uint32_t max_captures = 1;

  const Confirmer& Get(const Rule& r, uint32_t i) const {
    Confirmer& c = confirmers[i];
    std::call_once(c.once, [&] {
      auto code = CompilePcre(r);
      if (!code.ok()) return;  // validated at Create() or in the cached build; cannot fail here
      pcre2_jit_compile(code->get(), PCRE2_JIT_COMPLETE);
      pcre2_pattern_info(code->get(), PCRE2_INFO_CAPTURECOUNT, &c.capture_count);
      c.secret_group = r.secret_group >= 0 ? r.secret_group : (c.capture_count > 0 ? 1 : 0);
      c.code = *std::move(code);
    });
    return c;
  }
};

class Matcher::Scratch {
 public:
  std::unique_ptr<hs_scratch_t, HsScratchDeleter> hs;
  std::unique_ptr<pcre2_match_data, Pcre2MatchDataDeleter> md;
  std::unique_ptr<pcre2_jit_stack, Pcre2JitStackDeleter> jit_stack;
  std::unique_ptr<pcre2_match_context, Pcre2MatchContextDeleter> mctx;
  std::vector<std::pair<uint32_t, uint64_t>> hits;  // (rule, end)
  std::string lower;                                // scratch for case-insensitive checks
};

Matcher::Matcher(std::vector<Rule> rules, std::unique_ptr<Impl> impl)
    : rules_(std::move(rules)), impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

absl::StatusOr<std::unique_ptr<Matcher>> Matcher::Create(std::vector<Rule> rules,
                                                         const MatcherOptions& options) {
  if (rules.empty()) return absl::InvalidArgumentError("no rules selected");
  auto impl = std::make_unique<Impl>();
  impl->confirmers = std::make_unique<Impl::Confirmer[]>(rules.size());
  const std::string key = HsCacheKey(rules, kHsFlags);
  bool from_cache = false;
  if (!options.cache_dir.empty()) {
    if (auto cached = LoadHsCache(options.cache_dir, key, rules.size())) {
      impl->db.reset(cached->db);
      impl->windows = std::move(cached->windows);
      from_cache = true;
    }
  }
  if (!from_cache) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (uint32_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      auto code = CompilePcre(r);  // PCRE2 validity is checked here, once per fresh build
      if (!code.ok()) return code.status();
      uint32_t captures = 0;
      pcre2_pattern_info(code->get(), PCRE2_INFO_CAPTURECOUNT, &captures);
      if (r.secret_group > static_cast<int>(captures))
        return absl::InvalidArgumentError(Cat(r.source, ": rule '", r.id, "': secret_group ",
                                                       r.secret_group, " but the pattern has ", captures, " groups"));
      auto window = RuleWindow(r);
      if (!window.ok()) return window.status();
      impl->windows.push_back(*window);
      exprs.push_back(r.prefilter.empty() ? r.pattern.c_str() : r.prefilter.c_str());
      flags.push_back(kHsFlags);
      ids.push_back(i);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                         HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      std::string where = "the rule set";
      if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < rules.size()) {
        const Rule& r = rules[err->expression];
        where = Cat(r.source, ": rule '", r.id, "'");
      }
      std::string msg = Cat(where, ": Hyperscan rejects the pattern: ", err ? err->message : "unknown error");
      hs_free_compile_error(err);
      return absl::InvalidArgumentError(msg);
    }
    impl->db.reset(db);
    if (!options.cache_dir.empty()) StoreHsCache(options.cache_dir, key, db, impl->windows);
  }
  for (const Rule& r : rules) {
    // Upper bound of capture groups across rules for match-data sizing: count '(' conservatively.
    impl->max_captures = std::max<uint32_t>(impl->max_captures,
                                            static_cast<uint32_t>(std::count(r.pattern.begin(), r.pattern.end(), '(')) + 1);
  }
  std::unique_ptr<Matcher> m(new Matcher(std::move(rules), std::move(impl)));
  m->loaded_from_cache_ = from_cache;
  return m;
}

void Matcher::ScratchDeleter::operator()(Scratch* s) const { delete s; }

Matcher::ScratchPtr Matcher::NewScratch() const {
  ScratchPtr s(new Scratch());
  hs_scratch_t* hs = nullptr;
  if (hs_alloc_scratch(impl_->db.get(), &hs) != HS_SUCCESS) std::abort();  // out of memory
  s->hs.reset(hs);
  s->md.reset(pcre2_match_data_create(impl_->max_captures + 1, nullptr));
  s->jit_stack.reset(pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr));
  s->mctx.reset(pcre2_match_context_create(nullptr));
  pcre2_jit_stack_assign(s->mctx.get(), nullptr, s->jit_stack.get());
  // Bound backtracking so a pathological rule cannot stall a scan thread.
  pcre2_set_match_limit(s->mctx.get(), 1000000);
  return s;
}

void Matcher::Scan(std::string_view data, Scratch& s, std::vector<Match>* out) const {
  s.hits.clear();
  auto on_hit = [](unsigned int id, unsigned long long, unsigned long long to, unsigned int,
                   void* ctx) -> int {
    static_cast<Scratch*>(ctx)->hits.emplace_back(id, to);
    return 0;
  };
  if (data.size() > UINT32_MAX) return;  // callers chunk their input far below this
  hs_scan(impl_->db.get(), data.data(), static_cast<unsigned>(data.size()), 0, s.hs.get(), on_hit, &s);
  if (s.hits.empty()) return;
  std::sort(s.hits.begin(), s.hits.end());
  const size_t first_out = out->size();
  uint32_t cur_rule = UINT32_MAX;
  // End of the last match of the current rule that PCRE2 confirmed (kept or filtered out): hits
  // ending inside it are the same match seen again.
  uint64_t consumed = 0;
  for (const auto& [rule_idx, hit_end] : s.hits) {
    if (rule_idx != cur_rule) { cur_rule = rule_idx; consumed = 0; }
    if (hit_end <= consumed) continue;
    const Rule& rule = rules_[rule_idx];
    const Impl::Confirmer& c = impl_->Get(rule, rule_idx);
    if (!c.code) continue;
    const size_t w = impl_->windows[rule_idx];
    // The window starts w bytes before the hit. It may run w bytes past the hit: PCRE2 then sees the
    // bytes that follow, so \b at the end is judged on real data and a greedy tail is taken whole
    // (Hyperscan reports every end of an open-ended repeat; one confirm covers them all).
    size_t pos = std::max<size_t>(hit_end > w ? hit_end - w : 0, consumed);
    const size_t limit = std::min<size_t>(data.size(), hit_end + w);
    while (pos <= hit_end) {
      int rc = pcre2_match(c.code.get(), reinterpret_cast<PCRE2_SPTR>(data.data()), limit, pos, 0,
                           s.md.get(), s.mctx.get());
      if (rc <= 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.md.get());
      const size_t ms = ov[0], me = ov[1];
      if (ms >= hit_end && !(ms == me && ms == hit_end)) break;
      if (me < hit_end) { pos = me > ms ? me : ms + 1; continue; }
      // [ms, me) contains the hit end: this is the match.
      consumed = me;
      if (c.secret_group >= rc) break;
      const size_t ss = ov[2 * c.secret_group], se = ov[2 * c.secret_group + 1];
      if (ss == PCRE2_UNSET || se <= ss) break;
      std::string_view secret = data.substr(ss, se - ss);
      if (!rule.keywords.empty()) {
        s.lower.assign(data.substr(ms, me - ms));
        absl::AsciiStrToLower(&s.lower);
        bool any = false;
        for (const auto& k : rule.keywords) any = any || absl::StrContains(s.lower, k);
        if (!any) break;
      }
      if (!rule.stopwords.empty()) {
        s.lower.assign(secret);
        absl::AsciiStrToLower(&s.lower);
        bool stop = false;
        for (const auto& k : rule.stopwords) stop = stop || absl::StrContains(s.lower, k);
        if (stop) break;
      }
      if (rule.min_entropy > 0 && ShannonEntropy(secret) < rule.min_entropy) break;
      if (!rule.validate.empty() && !RunValidator(rule.validate, secret)) break;
      out->push_back(Match{rule_idx, ms, me, ss, se});
      break;
    }
  }
  std::sort(out->begin() + static_cast<std::ptrdiff_t>(first_out), out->end(),
            [](const Match& a, const Match& b) { return a.end != b.end ? a.end < b.end : a.rule < b.rule; });
}

}  // namespace keysweep
