// What each part of the rule set costs the matcher: throughput (one thread, 64 KiB blocks) on real
// source text with each rule category compiled alone, with the full set, with each rule alone and
// with the full set minus one rule. bench/compare runs the families and the full set, then each rule
// alone, and measures "full minus rule" for the slowest rules alone, to name the rules that cost most.
//
//   BM_RuleFamily/<category>   BM_RuleFamily/all   BM_RuleAlone/<id>   BM_RuleFullMinus/<id>
//
// Environment: KEYSWEEP_BENCH_TEXT (a folder; default /usr/include and /usr/lib/python3.11),
// KEYSWEEP_BENCH_MB (text size, default 64), KEYSWEEP_BENCH_ITERS (iterations, default 3),
// KEYSWEEP_BENCH_PER_RULE=1 registers BM_RuleAlone and BM_RuleFullMinus (without it, a plain run of
// keysweep_bench measures only the families: about a second each).
// KEYSWEEP_BENCH_SUBSETS=FILE registers BM_RuleSubset/<name> for each line `name: term term ...` of
// FILE, for ablation experiments: a term `-x` drops, `+x` keeps, where x is a rule id or `cat:NAME`;
// a line whose first term is `+` starts from no rules, otherwise from all of them.
// KEYSWEEP_BENCH_EXTRA_RULES=PATH adds rule files to the built-in set (variants to compare).
// Counters: rules (how many are compiled), compile_ms (the Hyperscan compile, outside the timing).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/matcher.h"
#include "engine/rules.h"

namespace keysweep {
namespace {

size_t EnvSize(const char* name, size_t dflt) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return dflt;
  return static_cast<size_t>(std::strtoull(v, nullptr, 10));
}

// Real source text, read once: every .h/.hpp/.c/.cc/.py/.pl/.pm file below the roots, sorted by
// path so two runs read the same bytes, up to KEYSWEEP_BENCH_MB.
const std::string& RuleCostText() {
  static const std::string text = [] {
    namespace fs = std::filesystem;
    const size_t limit = EnvSize("KEYSWEEP_BENCH_MB", 64) << 20;
    std::vector<std::string> roots = {"/usr/include", "/usr/lib/python3.11"};
    if (const char* t = std::getenv("KEYSWEEP_BENCH_TEXT"); t != nullptr && *t != '\0') roots = {t};
    static const std::set<std::string> exts = {".h", ".hpp", ".c", ".cc", ".py", ".pl", ".pm"};
    std::string out;
    for (const auto& root : roots) {
      std::vector<fs::path> files;
      std::error_code ec;
      for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && exts.count(it->path().extension().string())) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (out.size() >= limit) break;
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out += ss.str();
      }
    }
    if (out.size() > limit) out.resize(limit);
    return out;
  }();
  return text;
}

const std::vector<Rule>& AllRules() {
  static const std::vector<Rule> rules = [] {
    auto r = LoadBuiltinRules();
    std::vector<Rule> out = r.ok() ? *std::move(r) : std::vector<Rule>{};
    // Experiments: extra rules (a file or folder of rule files) join the built-in set.
    if (const char* extra = std::getenv("KEYSWEEP_BENCH_EXTRA_RULES"); extra != nullptr && *extra != '\0') {
      auto more = LoadRulesFromPath(extra);
      if (more.ok()) out.insert(out.end(), more->begin(), more->end());
    }
    return out;
  }();
  return rules;
}

template <typename Keep>
void ScanWith(benchmark::State& state, Keep keep) {
  std::vector<Rule> rules;
  for (const Rule& r : AllRules()) {
    if (keep(r)) rules.push_back(r);
  }
  if (rules.empty()) {
    state.SkipWithError("no rules selected");
    return;
  }
  const size_t n = rules.size();
  auto t0 = std::chrono::steady_clock::now();
  auto m = Matcher::Create(std::move(rules));
  auto t1 = std::chrono::steady_clock::now();
  if (!m.ok()) {
    state.SkipWithError(std::string(m.status().message()).c_str());
    return;
  }
  const std::string& text = RuleCostText();
  auto scratch = (*m)->NewScratch();
  std::vector<Match> out;
  size_t matches = 0;
  const size_t block = 64 << 10;
  for (auto _ : state) {
    matches = 0;
    for (size_t off = 0; off < text.size(); off += block) {
      out.clear();
      (*m)->Scan(std::string_view(text).substr(off, block), *scratch, &out);
      matches += out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rules"] = static_cast<double>(n);
  state.counters["compile_ms"] = std::chrono::duration<double, std::milli>(t1 - t0).count();
  state.counters["matches"] = static_cast<double>(matches);
}

// Registered at start-up from the built-in rules, so a new rule or category needs no code here.
const int kRegistered = [] {
  const auto iters = static_cast<benchmark::IterationCount>(EnvSize("KEYSWEEP_BENCH_ITERS", 3));
  std::map<std::string, int> categories;
  for (const Rule& r : AllRules()) ++categories[r.category];
  for (const auto& [cat, count] : categories) {
    benchmark::RegisterBenchmark(("BM_RuleFamily/" + cat).c_str(), [cat = cat](benchmark::State& s) {
      ScanWith(s, [&](const Rule& r) { return r.category == cat; });
    })->Unit(benchmark::kMillisecond)->Iterations(iters);
  }
  benchmark::RegisterBenchmark("BM_RuleFamily/all", [](benchmark::State& s) {
    ScanWith(s, [](const Rule&) { return true; });
  })->Unit(benchmark::kMillisecond)->Iterations(iters);
  if (const char* f = std::getenv("KEYSWEEP_BENCH_SUBSETS"); f != nullptr && *f != '\0') {
    std::ifstream in(f);
    for (std::string line; std::getline(in, line);) {
      const size_t colon = line.find(':');
      if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
      std::vector<std::string> terms;
      std::istringstream ts(line.substr(colon + 1));
      for (std::string t; ts >> t;) terms.push_back(t);
      benchmark::RegisterBenchmark(("BM_RuleSubset/" + line.substr(0, colon)).c_str(), [terms](benchmark::State& s) {
        ScanWith(s, [&](const Rule& r) {
          bool keep = terms.empty() || terms[0][0] != '+';
          for (const auto& t : terms) {
            const std::string x = t.substr(1);
            if (x == r.id || x == "cat:" + r.category) keep = t[0] == '+';
          }
          return keep;
        });
      })->Unit(benchmark::kMillisecond)->Iterations(iters);
    }
  }
  // Two benchmarks per rule, each with its own compile (the full set's takes seconds): only on request.
  if (EnvSize("KEYSWEEP_BENCH_PER_RULE", 0) == 0) return 0;
  for (const Rule& rule : AllRules()) {
    benchmark::RegisterBenchmark(("BM_RuleAlone/" + rule.id).c_str(), [id = rule.id](benchmark::State& s) {
      ScanWith(s, [&](const Rule& r) { return r.id == id; });
    })->Unit(benchmark::kMillisecond)->Iterations(iters);
  }
  for (const Rule& rule : AllRules()) {
    benchmark::RegisterBenchmark(("BM_RuleFullMinus/" + rule.id).c_str(), [id = rule.id](benchmark::State& s) {
      ScanWith(s, [&](const Rule& r) { return r.id != id; });
    })->Unit(benchmark::kMillisecond)->Iterations(iters);
  }
  return 0;
}();

}  // namespace
}  // namespace keysweep
