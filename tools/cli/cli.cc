#include "engine/strings.h"
#include "tools/cli/cli.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/baseline.h"
#include "engine/matcher.h"
#include "engine/pipeline.h"
#include "engine/report.h"
#include "engine/rules.h"
#include "verifiers/verifier.h"

namespace keysweep::cli {

bool Args::Flag(const char* name) {
  if (Done() || args_[pos_] != name) return false;
  ++pos_;
  return true;
}

bool Args::Value(const char* name, std::string* value) {
  if (Done()) return false;
  const std::string& a = args_[pos_];
  const size_t n = std::strlen(name);
  if (a.compare(0, n, name) != 0) return false;
  if (a.size() == n) {
    if (pos_ + 1 >= args_.size()) {
      set_error(Cat(name, " needs a value"));
      ++pos_;
      return true;
    }
    *value = args_[pos_ + 1];
    pos_ += 2;
    return true;
  }
  // Short options take an attached value ("-j4"); long ones "--name=value".
  const bool short_attached = n == 2 && name[0] == '-' && name[1] != '-';
  if (a[n] != '=' && !short_attached) return false;
  *value = a.substr(a[n] == '=' ? n + 1 : n);
  ++pos_;
  return true;
}

bool ParseScanFlagValue(Args& a, ScanFlags* f);

namespace {

void SplitIds(const std::string& v, std::vector<std::string>* out) {
  for (absl::string_view id : absl::StrSplit(v, ',', absl::SkipEmpty())) out->emplace_back(id);
}

}  // namespace

bool ParseScanFlag(Args& a, ScanFlags* f) {
  if (a.Done()) return false;
  const std::string name = a.Peek().substr(0, a.Peek().find('='));
  if (ParseScanFlagValue(a, f)) {
    f->given.insert(name);
    return true;
  }
  return false;
}

bool ParseScanFlagValue(Args& a, ScanFlags* f) {
  std::string v;
  if (a.Value("--config", &v)) { f->config_path = v; return true; }
  if (a.Flag("--no-config")) { f->no_config = true; return true; }
  if (a.Value("--rules", &v)) { f->rule_paths.push_back(v); return true; }
  if (a.Flag("--no-builtin-rules")) { f->no_builtin_rules = true; return true; }
  if (a.Value("--only-rules", &v)) { SplitIds(v, &f->only_rules); return true; }
  if (a.Value("--disable-rules", &v)) { SplitIds(v, &f->disable_rules); return true; }
  if (a.Value("--categories", &v)) { SplitIds(v, &f->categories); return true; }
  if (a.Value("--min-confidence", &v)) {
    if (v == "low") f->min_confidence = Confidence::kLow;
    else if (v == "medium") f->min_confidence = Confidence::kMedium;
    else if (v == "high") f->min_confidence = Confidence::kHigh;
    else a.set_error("--min-confidence takes low, medium or high");
    return true;
  }
  if (a.Value("--format", &v)) {
    if (v != "text" && v != "json" && v != "jsonl" && v != "sarif" && v != "github" && v != "junit")
      a.set_error(Cat("unknown --format '", v, "' (text, json, jsonl, sarif, github, junit)"));
    f->format = v;
    return true;
  }
  if (a.Value("--output", &v) || a.Value("-o", &v)) { f->output = v; return true; }
  if (a.Flag("--no-redact")) { f->no_redact = true; return true; }
  if (a.Value("--threads", &v) || a.Value("-j", &v)) {
    if (!absl::SimpleAtoi(v, &f->threads) || f->threads < 1) a.set_error("--threads needs a positive number");
    return true;
  }
  if (a.Value("--max-file-size", &v)) {
    if (!ParseByteSize(v, &f->max_file_size)) a.set_error("--max-file-size needs a size such as 10M");
    return true;
  }
  if (a.Flag("--include-binary")) { f->include_binary = true; return true; }
  if (a.Value("--exit-code", &v)) {
    int code = 0;
    if (!absl::SimpleAtoi(v, &code) || code < 0 || code > 255) a.set_error("--exit-code needs 0..255");
    f->exit_code = code;
    return true;
  }
  if (a.Value("--color", &v)) {
    if (v != "auto" && v != "always" && v != "never") a.set_error("--color takes auto, always or never");
    f->color = v;
    return true;
  }
  if (a.Flag("--quiet") || a.Flag("-q")) { f->quiet = true; return true; }
  if (a.Value("--max-occurrences", &v)) {
    if (!absl::SimpleAtoi(v, &f->max_occurrences)) a.set_error("--max-occurrences needs a number");
    return true;
  }
  if (a.Value("--cache-dir", &v)) { f->cache_dir = v; return true; }
  if (a.Value("--baseline", &v)) { f->baseline = v; return true; }
  if (a.Flag("--verify")) { f->verify = true; return true; }
  if (a.Flag("--only-verified")) { f->verify = f->only_verified = true; return true; }
  if (a.Value("--verify-cache", &v)) { f->verify_cache = v; return true; }
  if (a.Value("--verify-endpoint", &v)) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0 ||
        (v.compare(eq + 1, 8, "https://") != 0 && v.compare(eq + 1, 7, "http://") != 0))
      a.set_error("--verify-endpoint needs PROVIDER=URL with an http:// or https:// URL");
    f->verify_endpoints.push_back(v);
    return true;
  }
  if (a.Value("--verify-concurrency", &v)) {
    if (!absl::SimpleAtoi(v, &f->verify_concurrency) || f->verify_concurrency < 1 || f->verify_concurrency > 256)
      a.set_error("--verify-concurrency needs 1..256");
    return true;
  }
  return false;
}

absl::Status ResolveConfig(ScanFlags* f) {
  if (f->config || f->no_config) return absl::OkStatus();
  std::string path = f->config_path.empty() ? FindConfigFile(".") : f->config_path;
  if (path.empty()) return absl::OkStatus();
  auto c = LoadConfigFile(path);
  if (!c.ok()) return c.status();
  auto unset = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) if (f->given.count(n)) return false;
    return true;
  };
  if (c->format && unset({"--format"})) f->format = *c->format;
  if (c->exit_code && unset({"--exit-code"})) f->exit_code = *c->exit_code;
  if (c->max_file_size && unset({"--max-file-size"})) f->max_file_size = *c->max_file_size;
  if (c->baseline && unset({"--baseline"})) f->baseline = *c->baseline;
  f->rule_paths.insert(f->rule_paths.begin(), c->rule_paths.begin(), c->rule_paths.end());
  if (unset({"--only-rules"})) f->only_rules.insert(f->only_rules.end(), c->only.begin(), c->only.end());
  f->disable_rules.insert(f->disable_rules.end(), c->disable.begin(), c->disable.end());
  f->config = std::make_shared<const Config>(*std::move(c));
  return absl::OkStatus();
}

const char* ScanFlagsHelp() {
  return R"(Rules:
  --rules PATH             add rules from a TOML file or a folder of them (repeatable)
  --no-builtin-rules       use only the rules given with --rules
  --only-rules ID,...      use only these rule ids
  --disable-rules ID,...   do not use these rule ids
  --categories CAT,...     only rules of these categories (cloud, vcs, messaging, payments, ai,
                           observability, saas, data, keys, generic)
  --min-confidence LEVEL   only rules of at least this confidence (low, medium, high)
Output:
  --format FMT             text (default), json, jsonl, sarif, github, junit
  -o, --output FILE        write the report to FILE instead of stdout
  --no-redact              show secrets in full (they are redacted by default)
  --max-occurrences N      occurrences listed per finding (default 100; all are counted)
  --color WHEN             auto (default), always, never
  -q, --quiet              no summary line and no per-error lines on stderr
  --exit-code N            exit code when findings are reported (default 1)
Scanning:
  -j, --threads N          worker threads (default: all cores)
  --max-file-size SIZE     skip (and count) larger files/objects (default 100M; k/M/G suffixes)
  --include-binary         scan binary files too (skipped and counted by default)
  --baseline FILE          hide findings listed in a baseline (keysweep baseline create)
  --config FILE            config file (default: .keysweep.toml here or at the git root)
  --no-config              ignore any config file
  --cache-dir DIR          compiled rule database cache (default $XDG_CACHE_HOME/keysweep; "none" disables)
Verification (off by default: it sends each secret to its own provider, read-only endpoints only):
  --verify                 ask each provider whether its secrets are live, who owns them, their
                           scopes and expiry (after deduplication: one request per distinct secret)
  --only-verified          report only live secrets (implies --verify)
  --verify-cache FILE      remember answers across runs for 24 h (stores hashes, never secrets)
  --verify-concurrency N   requests in flight (default 16; each provider is also rate-limited)
  --verify-endpoint PROVIDER=URL
                           send PROVIDER's checks to URL instead (repeatable): for self-hosted
                           instances (GitHub Enterprise: github=https://ghe.example.com/api/v3,
                           self-managed GitLab) and for testing; private and loopback addresses
                           are allowed there
)";
}

absl::StatusOr<std::vector<Rule>> LoadSelectedRules(const ScanFlags& flags) {
  std::vector<Rule> rules;
  if (!flags.no_builtin_rules) {
    auto b = LoadBuiltinRules();
    if (!b.ok()) return b.status();
    rules = *std::move(b);
  }
  for (const auto& p : flags.rule_paths) {
    auto extra = LoadRulesFromPath(p);
    if (!extra.ok()) return extra.status();
    for (auto& r : *extra) rules.push_back(std::move(r));
  }
  if (flags.config) {
    for (const Rule& r : flags.config->rules) rules.push_back(r);
  }
  if (auto s = CheckUniqueIds(rules); !s.ok()) return s;
  if (flags.config) {
    if (auto s = ApplyOverrides(*flags.config, &rules); !s.ok()) return s;
  }
  auto selected = SelectRules(std::move(rules), flags.only_rules, flags.disable_rules);
  if (!selected.ok() || (flags.categories.empty() && flags.min_confidence == Confidence::kLow)) return selected;
  std::vector<Rule> kept;
  for (auto& r : *selected) {
    if (r.confidence < flags.min_confidence) continue;
    if (!flags.categories.empty() &&
        std::find(flags.categories.begin(), flags.categories.end(), r.category) == flags.categories.end())
      continue;
    kept.push_back(std::move(r));
  }
  if (kept.empty()) return absl::InvalidArgumentError("no rules match --categories / --min-confidence");
  return kept;
}

absl::StatusOr<std::unique_ptr<Matcher>> BuildMatcher(const ScanFlags& flags) {
  auto rules = LoadSelectedRules(flags);
  if (!rules.ok()) return rules.status();
  MatcherOptions mo;
  mo.cache_dir = flags.cache_dir == "none" ? "" : flags.cache_dir.empty() ? DefaultCacheDir() : flags.cache_dir;
  return Matcher::Create(*std::move(rules), mo);
}

namespace {

// Verifies the deduplicated findings, then applies --only-verified. Returns an exit code on error.
int VerifyStage(const char* what, const ScanFlags& flags, const std::vector<Rule>& rules, FindingSet* findings,
                ScanStats* stats) {
  verify::VerifierOptions vo;
  vo.concurrency = flags.verify_concurrency;
  vo.cache_file = flags.verify_cache;
  for (const std::string& e : flags.verify_endpoints) {
    const size_t eq = e.find('=');
    vo.net.endpoint_overrides[e.substr(0, eq)] = e.substr(eq + 1);
  }
  if (const char* hook = std::getenv("KEYSWEEP_VERIFY_TEST_HOSTS"); hook != nullptr && *hook != '\0') {
    if (!verify::ParseHostOverrides(hook, &vo.net.host_overrides)) {
      std::fprintf(stderr, "keysweep %s: malformed KEYSWEEP_VERIFY_TEST_HOSTS\n", what);
      return kExitError;
    }
    if (!flags.quiet) std::fprintf(stderr, "keysweep %s: test hook KEYSWEEP_VERIFY_TEST_HOSTS is active\n", what);
  }
  auto verifier = verify::Verifier::Create(std::move(vo));
  if (!verifier.ok()) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(verifier.status().message()).c_str());
    return kExitError;
  }
  std::vector<Finding*> all;
  findings->EraseIf([&](Finding& f) {
    all.push_back(&f);
    return false;
  });
  const auto t0 = std::chrono::steady_clock::now();
  (*verifier)->VerifyFindings(all, rules);
  // Scanning is over before verification starts; this separates the two in the summary.
  if (!all.empty()) stats->Count("verification: milliseconds",
               static_cast<uint64_t>(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()));
  for (const Finding* f : all) stats->Count(Cat("verification: ", VerifyStatusName(f->verification->status)));
  const auto c = (*verifier)->counters();
  if (c.requests) stats->Count("verification: requests", c.requests);
  if (c.cache_hits) stats->Count("verification: cache hits", c.cache_hits);
  if (auto s = (*verifier)->SaveCache(); !s.ok()) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(s.message()).c_str());
  }
  if (flags.only_verified) {
    findings->EraseIf([](const Finding& f) {
      return !f.verification || f.verification->status != VerifyStatus::kVerified;
    });
  }
  return kExitClean;
}

}  // namespace

int RunScan(const char* what, const ScanFlags& given_flags, const SourceFactory& make_source, const ScanHooks& hooks) {
  const auto t0 = std::chrono::steady_clock::now();
  ScanFlags flags = given_flags;
  if (auto s = ResolveConfig(&flags); !s.ok()) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(s.message()).c_str());
    return kExitError;
  }
  std::optional<ConfigAllowlist> allowlist;
  if (flags.config) {
    auto a = ConfigAllowlist::Create(*flags.config);
    if (!a.ok()) {
      std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(a.status().message()).c_str());
      return kExitError;
    }
    if (!a->empty()) allowlist = *std::move(a);
  }
  auto matcher = BuildMatcher(flags);
  if (!matcher.ok()) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(matcher.status().message()).c_str());
    return kExitError;
  }
  ScanStats stats;
  stats.set_quiet(flags.quiet);
  std::string error;
  auto source = make_source(flags, &stats, &error);
  if (!source) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, error.c_str());
    return kExitError;
  }
  FindingSet findings(std::max<size_t>(flags.max_occurrences, 1000));
  PipelineOptions po;
  po.threads = flags.threads;
  RunPipeline(*source, **matcher, &findings, &stats, po);
  if (hooks.keep_occurrence || allowlist) {
    const auto& rules = (*matcher)->rules();
    findings.EraseIf([&](Finding& f) {
      std::vector<Occurrence> kept;
      for (auto& o : f.occurrences) {
        if (hooks.keep_occurrence && !hooks.keep_occurrence(o)) continue;
        if (allowlist) {
          const std::string_view why = allowlist->Allowed(rules[f.rule].id, f.secret, o.prov->DisplayName());
          if (!why.empty()) {
            stats.Count(Cat("suppressed: ", why));
            continue;
          }
        }
        kept.push_back(std::move(o));
      }
      f.occurrence_count -= f.occurrences.size() - kept.size();
      f.occurrences = std::move(kept);
      return f.occurrences.empty();
    });
  }
  if (hooks.post_process) hooks.post_process(&findings);
  if (!flags.baseline.empty()) {
    auto entries = LoadBaseline(flags.baseline);
    if (!entries.ok()) {
      std::fprintf(stderr, "keysweep %s: %s\n", what, std::string(entries.status().message()).c_str());
      return kExitError;
    }
    absl::flat_hash_set<std::string> known;
    for (const auto& e : *entries) known.insert(e.fingerprint);
    uint64_t hidden = 0;
    findings.EraseIf([&](const Finding& f) {
      const bool drop = known.contains(f.fingerprint);
      hidden += drop;
      return drop;
    });
    if (hidden) stats.Count("suppressed: baseline", hidden);
  }

  if (flags.verify) {
    if (int rc = VerifyStage(what, flags, (*matcher)->rules(), &findings, &stats); rc != kExitClean) return rc;
  }

  // Helper rules that only supply verification parts are never reported (after pairing used them).
  findings.EraseIf([&](const Finding& f) { return (*matcher)->rules()[f.rule].part_only; });

  std::vector<std::string> ids;
  for (const Rule& r : (*matcher)->rules()) ids.push_back(r.id);
  const auto sorted = findings.Sorted(ids);
  ScanSummary summary;
  summary.findings = sorted.size();
  for (const Finding* f : sorted) summary.occurrences += f->occurrence_count;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ReportOptions ro;
  ro.redact = !flags.no_redact;
  ro.max_occurrences = flags.max_occurrences;
  FILE* out = stdout;
  if (!flags.output.empty()) {
    out = std::fopen(flags.output.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "keysweep %s: cannot write %s\n", what, flags.output.c_str());
      return kExitError;
    }
  }
  ro.color = flags.color == "always" || (flags.color == "auto" && out == stdout && ::isatty(STDOUT_FILENO));
  std::string report;
  int custom_exit = -1;
  if (hooks.custom_report) report = hooks.custom_report(sorted, (*matcher)->rules(), &custom_exit);
  else if (flags.format == "json") report = FormatJson(sorted, (*matcher)->rules(), ro, stats, summary);
  else if (flags.format == "jsonl") report = FormatJsonl(sorted, (*matcher)->rules(), ro);
  else if (flags.format == "sarif") report = FormatSarif(sorted, (*matcher)->rules(), ro);
  else if (flags.format == "github") report = FormatGithub(sorted, (*matcher)->rules(), ro);
  else if (flags.format == "junit") report = FormatJunit(sorted, (*matcher)->rules(), ro);
  else report = FormatText(sorted, (*matcher)->rules(), ro);
  std::fwrite(report.data(), 1, report.size(), out);
  if (out != stdout) std::fclose(out); else std::fflush(stdout);
  if (!flags.quiet) std::fprintf(stderr, "%s\n", SummaryLine(stats, summary).c_str());

  if (custom_exit >= 0) return custom_exit;
  if (!sorted.empty()) return flags.exit_code.value_or(kExitFindings);
  // Nothing could be scanned at all, and something went wrong: that is an error, not "clean".
  if (stats.objects() == 0 && stats.error_count() > 0) return kExitError;
  return kExitClean;
}

}  // namespace keysweep::cli
