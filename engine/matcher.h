// The matcher: every rule in one Hyperscan block-mode database (no SOM); each Hyperscan hit is
// confirmed by the rule's own regex with PCRE2 (JIT) over a bounded window ending at the hit's end,
// which yields the exact start and the capture groups; then validators, entropy and stop-words.
//
// Thread-safety: a Matcher is immutable after Create() and safe for concurrent use; each thread
// needs its own Scratch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/rules.h"

namespace keysweep {

struct Match {
  uint32_t rule = 0;          // index into Matcher::rules()
  size_t start = 0;           // whole match [start, end) within the scanned buffer
  size_t end = 0;
  size_t secret_start = 0;    // the secret capture group [secret_start, secret_end)
  size_t secret_end = 0;
};

struct MatcherOptions {
  // Folder for the serialized Hyperscan database cache; empty disables caching.
  std::string cache_dir;
};

// Default cache folder: $XDG_CACHE_HOME/keysweep or ~/.cache/keysweep (empty if neither is known).
std::string DefaultCacheDir();

class Matcher {
 public:
  class Scratch;
  struct ScratchDeleter { void operator()(Scratch* s) const; };
  using ScratchPtr = std::unique_ptr<Scratch, ScratchDeleter>;

  // Compiles (or loads from cache) the database. A pattern either engine rejects is an error that
  // names the rule id, its file and the engine's reason.
  static absl::StatusOr<std::unique_ptr<Matcher>> Create(std::vector<Rule> rules,
                                                         const MatcherOptions& options = {});
  ~Matcher();

  const std::vector<Rule>& rules() const { return rules_; }
  bool loaded_from_cache() const { return loaded_from_cache_; }

  // One per thread; reusable across Scan calls.
  ScratchPtr NewScratch() const;

  // Appends the confirmed matches in `data` to *out (sorted by end, then rule).
  void Scan(std::string_view data, Scratch& scratch, std::vector<Match>* out) const;

 private:
  struct Impl;
  Matcher(std::vector<Rule> rules, std::unique_ptr<Impl> impl);
  std::vector<Rule> rules_;
  std::unique_ptr<Impl> impl_;
  bool loaded_from_cache_ = false;
};

// Shannon entropy of s in bits per byte.
double ShannonEntropy(std::string_view s);

// Named validators (the `validate` field of a rule). Unknown names are rejected at load time.
bool IsKnownValidator(std::string_view name);
bool RunValidator(std::string_view name, std::string_view secret);

}  // namespace keysweep
