#include <cstdio>
#include <map>

#include "engine/strings.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/matcher.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kHelp[] = R"(Usage: keysweep rules list [--stats] [--format text|json] [RULE OPTIONS]
       keysweep rules check [RULE OPTIONS]

list    prints every selected rule: id, category, confidence, provider and name.
        --stats prints counts by category and by confidence instead.
check   compiles every selected rule with Hyperscan and PCRE2 and runs its examples: each
        positive must yield its secret, each negative must yield nothing for that rule.
        Exits 1 if any rule fails, 2 if the rules do not load. With --rules and
        --no-builtin-rules, checks only the given files.

RULE OPTIONS: --rules PATH, --no-builtin-rules, --only-rules ID,..., --disable-rules ID,...
)";

// Runs one rule's examples against the whole matcher; returns the failures.
std::vector<std::string> CheckRule(const Matcher& m, uint32_t idx, Matcher::Scratch& scratch) {
  const Rule& r = m.rules()[idx];
  std::vector<std::string> failures;
  if (r.positives.size() < 2) failures.push_back(Cat("has ", r.positives.size(), " positive examples (need 2)"));
  if (r.negatives.size() < 2) failures.push_back(Cat("has ", r.negatives.size(), " negative examples (need 2)"));
  if (r.references.empty()) failures.push_back("has no references");
  std::vector<Match> matches;
  for (size_t i = 0; i < r.positives.size(); ++i) {
    const RuleExample& ex = r.positives[i];
    matches.clear();
    m.Scan(ex.text, scratch, &matches);
    std::vector<std::string> got;
    bool found = false;
    for (const Match& mt : matches) {
      if (mt.rule != idx) continue;
      std::string s = ex.text.substr(mt.secret_start, mt.secret_end - mt.secret_start);
      found = found || s == ex.secret;
      got.push_back(s);
    }
    if (!found) {
      failures.push_back(Cat("positive #", i + 1, " did not yield its secret",
                                      got.empty() ? " (no match)" : Cat(" (got: ", absl::StrJoin(got, ", "), ")")));
    }
  }
  for (size_t i = 0; i < r.negatives.size(); ++i) {
    matches.clear();
    m.Scan(r.negatives[i].text, scratch, &matches);
    for (const Match& mt : matches) {
      if (mt.rule != idx) continue;
      failures.push_back(Cat("negative #", i + 1, " matched: ",
                                      r.negatives[i].text.substr(mt.secret_start, mt.secret_end - mt.secret_start)));
      break;
    }
  }
  return failures;
}

int Check(const ScanFlags& flags) {
  auto rules = LoadSelectedRules(flags);
  if (!rules.ok()) {
    std::fprintf(stderr, "keysweep rules check: %s\n", std::string(rules.status().message()).c_str());
    return kExitError;
  }
  // Compile each rule alone first: an error then names exactly the rule at fault, and one bad rule
  // does not hide the others.
  int bad = 0;
  for (const Rule& r : *rules) {
    auto single = Matcher::Create({r});
    if (!single.ok()) {
      std::printf("FAIL %s: %s\n", r.id.c_str(), std::string(single.status().message()).c_str());
      ++bad;
    }
  }
  if (bad) {
    std::printf("%d of %zu rules failed to compile\n", bad, rules->size());
    return kExitFindings;
  }
  auto m = Matcher::Create(*rules);
  if (!m.ok()) {
    std::printf("FAIL: %s\n", std::string(m.status().message()).c_str());
    return kExitFindings;
  }
  auto scratch = (*m)->NewScratch();
  size_t examples = 0;
  for (uint32_t i = 0; i < (*m)->rules().size(); ++i) {
    const Rule& r = (*m)->rules()[i];
    examples += r.positives.size() + r.negatives.size();
    for (const auto& f : CheckRule(**m, i, *scratch)) {
      std::printf("FAIL %s (%s): %s\n", r.id.c_str(), r.source.c_str(), f.c_str());
      ++bad;
    }
  }
  std::printf("%zu rules, %zu examples: %s\n", rules->size(), examples,
              bad ? Cat(bad, " failures").c_str() : "all passed");
  return bad ? kExitFindings : kExitClean;
}

int List(const ScanFlags& flags, bool stats, const std::string& format) {
  auto rules = LoadSelectedRules(flags);
  if (!rules.ok()) {
    std::fprintf(stderr, "keysweep rules list: %s\n", std::string(rules.status().message()).c_str());
    return kExitError;
  }
  if (stats) {
    std::map<std::string, int> by_cat, by_conf;
    for (const Rule& r : *rules) { ++by_cat[r.category]; ++by_conf[std::string(ConfidenceName(r.confidence))]; }
    std::printf("%zu rules\nby category:\n", rules->size());
    for (const auto& [k, v] : by_cat) std::printf("  %-14s %d\n", k.c_str(), v);
    std::printf("by confidence:\n");
    for (const auto& [k, v] : by_conf) std::printf("  %-14s %d\n", k.c_str(), v);
    return kExitClean;
  }
  if (format == "json") {
    std::string out = "[";
    for (size_t i = 0; i < rules->size(); ++i) {
      const Rule& r = (*rules)[i];
      Append(&out, i ? "," : "", "{\"id\":\"", r.id, "\",\"name\":\"", r.name, "\",\"provider\":\"", r.provider,
                      "\",\"category\":\"", r.category, "\",\"confidence\":\"", ConfidenceName(r.confidence), "\"}");
    }
    std::printf("%s]\n", out.c_str());
    return kExitClean;
  }
  for (const Rule& r : *rules) {
    std::printf("%-36s %-13s %-7s %s\n", r.id.c_str(), r.category.c_str(),
                std::string(ConfidenceName(r.confidence)).c_str(), r.name.c_str());
  }
  return kExitClean;
}

}  // namespace

int RulesCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  if (args.Done() || args.Flag("--help") || args.Flag("-h")) {
    std::printf("%s", kHelp);
    return args.Done() ? kExitClean : kExitClean;
  }
  const std::string sub = args.Take();
  ScanFlags flags;
  bool stats = false;
  std::string format = "text";
  while (!args.Done()) {
    if (args.Flag("--help") || args.Flag("-h")) { std::printf("%s", kHelp); return kExitClean; }
    if (args.Flag("--stats")) { stats = true; continue; }
    if (args.Value("--format", &format)) continue;
    if (ParseScanFlag(args, &flags)) continue;
    std::fprintf(stderr, "keysweep rules: unknown argument %s\n", args.Peek().c_str());
    return kExitError;
  }
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep rules: %s\n", args.error().c_str());
    return kExitError;
  }
  if (sub == "check") {
    // Checking given files alone is the common case for rule authors.
    if (!flags.rule_paths.empty()) flags.no_builtin_rules = true;
    return Check(flags);
  }
  if (sub == "list") return List(flags, stats, format);
  std::fprintf(stderr, "keysweep rules: unknown subcommand '%s' (list, check)\n", sub.c_str());
  return kExitError;
}

}  // namespace keysweep::cli
