#include "verifiers/verifier.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "engine/sha256.h"
#include "engine/strings.h"

namespace keysweep::verify {

struct Verifier::Flight {
  absl::Notification done;
  Verification result;
};

absl::StatusOr<std::unique_ptr<Verifier>> Verifier::Create(VerifierOptions options) {
  auto cache = VerifyCache::Open(options.cache_file, options.cache_ttl_seconds);
  if (!cache.ok()) return cache.status();
  if (options.concurrency < 1) options.concurrency = 1;
  if (options.queue_capacity == 0) options.queue_capacity = 4 * static_cast<size_t>(options.concurrency);
  return std::unique_ptr<Verifier>(new Verifier(std::move(options), *std::move(cache)));
}

Verifier::Verifier(VerifierOptions options, std::unique_ptr<VerifyCache> cache)
    : options_(std::move(options)), cache_(std::move(cache)) {
  for (int i = 0; i < options_.concurrency; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Verifier::~Verifier() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  space_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

VerifierCounters Verifier::counters() const {
  return {checks_.load(), requests_.load(), cache_hits_.load(), coalesced_.load()};
}

std::string Verifier::Key(const Candidate& c) {
  std::string m = Cat(c.rule->id, std::string_view("\0", 1), c.secret);
  for (const auto& [k, v] : c.parts) Append(&m, std::string_view("\0", 1), k, "=", v);
  return Sha256Hex(m);
}

std::unique_ptr<HttpClient> Verifier::BorrowClient() {
  {
    std::lock_guard<std::mutex> lock(clients_mu_);
    if (!clients_.empty()) {
      auto c = std::move(clients_.back());
      clients_.pop_back();
      return c;
    }
  }
  return std::make_unique<HttpClient>(options_.http);
}

void Verifier::ReturnClient(std::unique_ptr<HttpClient> c) {
  std::lock_guard<std::mutex> lock(clients_mu_);
  clients_.push_back(std::move(c));
}

Verification Verifier::Check(const Candidate& c) {
  ++checks_;
  const std::string key = Key(c);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    absl::MutexLock lock(&flights_mu_);
    if (auto it = memo_.find(key); it != memo_.end()) {
      ++cache_hits_;
      return it->second;
    }
    if (auto hit = cache_->Get(key)) {
      ++cache_hits_;
      memo_[key] = *hit;
      return *hit;
    }
    auto [it, inserted] = flights_.try_emplace(key);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    ++coalesced_;
    flight->done.WaitForNotification();
    return flight->result;
  }
  auto client = BorrowClient();
  Exchange ex(options_.net, limiter_, *client);
  Verification v = RunCheck(c, ex);
  ReturnClient(std::move(client));
  requests_ += ex.requests();
  cache_->Put(key, v);
  {
    absl::MutexLock lock(&flights_mu_);
    memo_[key] = v;
    flights_.erase(key);
  }
  flight->result = v;
  flight->done.Notify();
  return v;
}

void Verifier::Submit(std::function<void()> job) {
  std::unique_lock<std::mutex> lock(queue_mu_);
  space_cv_.wait(lock, [&] { return stopping_ || queue_.size() < options_.queue_capacity; });
  queue_.push_back(std::move(job));
  lock.unlock();
  queue_cv_.notify_one();
}

void Verifier::WorkerLoop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    space_cv_.notify_one();
    job();
  }
}

namespace {

Verification Skipped(std::string reason) {
  Verification v;
  v.reason = std::move(reason);
  return v;
}

// How specific a rule is, for choosing which rule verifies a secret captured by several.
auto Specificity(const Rule& r) {
  return std::make_tuple(static_cast<int>(r.confidence), r.category != "generic", r.pattern.size());
}

struct Partner {
  uint64_t distance;
  Finding* finding;
};

// Findings of `part`'s rules in the same objects as f, within max_distance, nearest first.
std::vector<Partner> FindPartners(const Finding& f, const VerifyPart& part, const std::vector<Rule>& rules,
                                  const absl::flat_hash_map<const Provenance*, std::vector<std::pair<uint64_t, Finding*>>>& by_object) {
  absl::flat_hash_map<Finding*, uint64_t> best;
  for (const Occurrence& o : f.occurrences) {
    auto it = by_object.find(o.prov.get());
    if (it == by_object.end()) continue;
    for (const auto& [offset, g] : it->second) {
      if (g == &f || g->secret == f.secret) continue;
      if (std::find(part.rules.begin(), part.rules.end(), rules[g->rule].id) == part.rules.end()) continue;
      const uint64_t d = offset > o.offset ? offset - o.offset : o.offset - offset;
      if (d > part.max_distance) continue;
      auto [b, inserted] = best.try_emplace(g, d);
      if (!inserted) b->second = std::min(b->second, d);
    }
  }
  std::vector<Partner> out;
  for (const auto& [g, d] : best) out.push_back({d, g});
  std::sort(out.begin(), out.end(), [](const Partner& a, const Partner& b) {
    return std::tie(a.distance, a.finding->secret) < std::tie(b.distance, b.finding->secret);
  });
  if (out.size() > 3) out.resize(3);
  return out;
}

struct Job {
  Finding* finding;
  std::vector<Candidate> candidates;
  std::vector<std::vector<Finding*>> partners;  // per candidate
  Verification result;
  std::vector<Finding*> winning_partners;
};

}  // namespace

void Verifier::VerifyFindings(const std::vector<Finding*>& findings, const std::vector<Rule>& rules) {
  // The most specific verifying rule per secret.
  absl::flat_hash_map<std::string_view, Finding*> chosen;
  for (Finding* f : findings) {
    if (!rules[f->rule].verify) continue;
    auto [it, inserted] = chosen.try_emplace(f->secret, f);
    if (!inserted && Specificity(rules[f->rule]) > Specificity(rules[it->second->rule])) it->second = f;
  }
  // Part rules' findings by object, for pairing.
  absl::flat_hash_set<std::string_view> part_rules;
  for (const Rule& r : rules) {
    if (!r.verify) continue;
    for (const auto& p : r.verify->parts) part_rules.insert(p.rules.begin(), p.rules.end());
  }
  absl::flat_hash_map<const Provenance*, std::vector<std::pair<uint64_t, Finding*>>> by_object;
  for (Finding* f : findings) {
    if (!part_rules.contains(rules[f->rule].id)) continue;
    for (const Occurrence& o : f->occurrences) by_object[o.prov.get()].emplace_back(o.offset, f);
  }

  std::vector<Job> jobs;
  for (Finding* f : findings) {
    const Rule& r = rules[f->rule];
    if (!r.verify) {
      f->verification = Skipped("no verifier for this rule");
      continue;
    }
    if (Finding* c = chosen[f->secret]; c != f) {
      f->verification = Skipped(Cat("checked under the more specific rule ", rules[c->rule].id));
      continue;
    }
    Job job{f, {}, {}, {}, {}};
    // Cartesian product of each part's partners (usually one part).
    std::vector<std::pair<TemplateVars, std::vector<Finding*>>> combos = {{{}, {}}};
    for (const VerifyPart& p : r.verify->parts) {
      const auto partners = FindPartners(*f, p, rules, by_object);
      std::vector<std::pair<TemplateVars, std::vector<Finding*>>> next;
      for (const auto& [vars, used] : combos) {
        for (const Partner& pa : partners) {
          auto v = vars;
          auto u = used;
          v.emplace_back(Cat("part.", p.name), pa.finding->secret);
          u.push_back(pa.finding);
          next.emplace_back(std::move(v), std::move(u));
        }
      }
      combos = std::move(next);
      if (combos.empty()) {
        f->verification = Skipped(Cat("no ", p.name, " found within ", p.max_distance, " bytes to pair with"));
        break;
      }
    }
    if (f->verification) continue;
    for (auto& [vars, used] : combos) {
      job.candidates.push_back(Candidate{&r, f->secret, std::move(vars)});
      job.partners.push_back(std::move(used));
    }
    jobs.push_back(std::move(job));
  }

  absl::BlockingCounter pending(static_cast<int>(jobs.size()));
  for (Job& job : jobs) {
    Submit([this, &job, &pending] {
      size_t invalid = 0;
      std::optional<Verification> first_unknown;
      for (size_t i = 0; i < job.candidates.size(); ++i) {
        Verification v = Check(job.candidates[i]);
        if (v.status == VerifyStatus::kVerified) {
          job.result = std::move(v);
          job.winning_partners = job.partners[i];
          pending.DecrementCount();
          return;
        }
        if (v.status == VerifyStatus::kInvalid) ++invalid;
        if (v.status != VerifyStatus::kInvalid && !first_unknown) first_unknown = std::move(v);
        else if (invalid == 1 && v.status == VerifyStatus::kInvalid) job.result = v;
      }
      if (first_unknown) job.result = std::move(*first_unknown);
      else if (job.candidates.size() > 1) job.result.reason = Cat("none of ", job.candidates.size(), " pairings is valid");
      pending.DecrementCount();
    });
  }
  pending.Wait();
  for (Job& job : jobs) {
    job.finding->verification = job.result;
    for (Finding* p : job.winning_partners) {
      if (p->verification && p->verification->status != VerifyStatus::kSkipped) continue;
      Verification v = job.result;
      v.reason = Cat("verified together with ", rules[job.finding->rule].id, " ", Redact(job.finding->secret));
      p->verification = std::move(v);
    }
  }
}

}  // namespace keysweep::verify
