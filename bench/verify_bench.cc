// Verification throughput: 10,000 distinct candidates against the in-process fake provider on
// loopback, 64 requests in flight (rate limit lifted), through VerifyFindings (the path --verify
// takes). Reports verifications/s, HTTP requests, and the process's peak RSS.
#include <sys/resource.h>

#include <chrono>

#include "benchmark/benchmark.h"
#include "engine/rules.h"
#include "engine/verify_spec_toml.h"
#include "tests/verify_fake.h"
#include "verifiers/verifier.h"

namespace keysweep {
namespace {

constexpr char kRule[] = R"(
provider = "Acme"
[[rule]]
id = "acme-token"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/ok"
  headers = { Authorization = "Bearer {{secret}}" }
  identity = "{{json:/user}}"
  scopes = "{{json:/scopes}}"
  references = ["x"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
)";

void BM_Verify10kDistinct(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int n = 10000;
  testing::FakeProviders fake(static_cast<size_t>(concurrency) + 16);
  auto rules = ParseRuleFile(kRule, "bench.toml");
  if (!rules.ok()) {
    state.SkipWithError("rule does not parse");
    return;
  }
  uint64_t requests = 0, verified = 0;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    FindingSet set;
    auto prov = std::make_shared<Provenance>();
    prov->path = "bench.txt";
    for (int i = 0; i < n; ++i) {
      Occurrence o;
      o.prov = prov;
      o.offset = static_cast<uint64_t>(i) * 64;
      char secret[40];
      std::snprintf(secret, sizeof secret, "acme_%024d", i);
      set.Add(0, "acme-token", secret, o);
    }
    std::vector<Finding*> all;
    set.EraseIf([&](Finding& f) {
      all.push_back(&f);
      return false;
    });
    verify::VerifierOptions vo;
    vo.concurrency = concurrency;
    vo.net.rate_override = 1e9;
    vo.net.host_overrides["api.acme.test"] = "http://" + fake.Base() + "/test";
    auto verifier = verify::Verifier::Create(vo);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    (*verifier)->VerifyFindings(all, *rules);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.PauseTiming();
    requests += (*verifier)->counters().requests;
    for (const Finding* f : all) verified += f->verification && f->verification->status == VerifyStatus::kVerified;
    verifier->reset();
    state.ResumeTiming();
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["verifications_per_s"] = benchmark::Counter(static_cast<double>(verified) / seconds);
  state.counters["requests"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kAvgIterations);
  state.counters["verified"] = benchmark::Counter(static_cast<double>(verified), benchmark::Counter::kAvgIterations);
  state.counters["peak_rss_mb"] = benchmark::Counter(static_cast<double>(ru.ru_maxrss) / 1024.0);
}
BENCHMARK(BM_Verify10kDistinct)->Arg(64)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Start-up cost the verify tables add: the built-in rule table stores each [rule.verify] as TOML
// text, parsed when the rules load.
void BM_ParseBuiltinVerifyTables(benchmark::State& state) {
  auto rules = LoadBuiltinRules();
  if (!rules.ok()) {
    state.SkipWithError("built-in rules do not load");
    return;
  }
  size_t tables = 0;
  for (const Rule& r : *rules) tables += !r.verify_source.empty();
  for (auto _ : state) {
    for (const Rule& r : *rules) {
      if (r.verify_source.empty()) continue;
      auto spec = ParseVerifySpecText(r.verify_source, r.provider);
      benchmark::DoNotOptimize(spec);
    }
  }
  state.counters["tables"] = static_cast<double>(tables);
}
BENCHMARK(BM_ParseBuiltinVerifyTables)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace keysweep
