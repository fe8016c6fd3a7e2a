// Matcher throughput with the full built-in rule set over real source text (the system's headers
// and Python library), in 64 KiB blocks, one thread. Also the cost of confirmation on dense hits.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "benchmark/benchmark.h"
#include "engine/matcher.h"
#include "engine/rules.h"

namespace keysweep {
namespace {

// Up to `limit` bytes of real source text, read once.
const std::string& SourceText(size_t limit = 64 << 20) {
  static const std::string text = [&] {
    std::string t;
    for (const char* root : {"/usr/include", "/usr/lib/python3.11"}) {
      std::error_code ec;
      for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end && t.size() < limit;
           it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        auto ext = it->path().extension().string();
        if (ext != ".h" && ext != ".py" && ext != ".hpp" && ext != ".c") continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        t += ss.str();
      }
    }
    return t;
  }();
  return text;
}

std::unique_ptr<Matcher> BuiltinMatcher() {
  auto rules = LoadBuiltinRules();
  if (!rules.ok()) return nullptr;
  auto m = Matcher::Create(*std::move(rules));
  return m.ok() ? *std::move(m) : nullptr;
}

void BM_MatcherSourceText(benchmark::State& state) {
  auto m = BuiltinMatcher();
  if (!m) { state.SkipWithError("rules failed to load"); return; }
  const std::string& text = SourceText();
  auto scratch = m->NewScratch();
  std::vector<Match> out;
  const size_t block = 64 << 10;
  for (auto _ : state) {
    for (size_t off = 0; off < text.size(); off += block) {
      out.clear();
      m->Scan(std::string_view(text).substr(off, block), *scratch, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rules"] = static_cast<double>(m->rules().size());
}
BENCHMARK(BM_MatcherSourceText)->Unit(benchmark::kMillisecond)->MinTime(2);

// Baseline in the same run: memchr over the same text (a floor for a single pass over memory).
void BM_MemchrSourceText(benchmark::State& state) {
  const std::string& text = SourceText();
  for (auto _ : state) {
    size_t n = 0;
    const char* p = text.data();
    const char* e = p + text.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\x01', static_cast<size_t>(e - p)))) != nullptr) { ++n; ++p; }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_MemchrSourceText)->Unit(benchmark::kMillisecond);

void BM_MatcherCompile(benchmark::State& state) {
  auto rules = LoadBuiltinRules();
  for (auto _ : state) {
    auto m = Matcher::Create(*rules);
    benchmark::DoNotOptimize(m);
  }
  state.counters["rules"] = static_cast<double>(rules->size());
}
BENCHMARK(BM_MatcherCompile)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace keysweep
