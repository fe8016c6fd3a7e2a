// Findings: one per (rule, secret), each with every place it occurs.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/provenance.h"

namespace keysweep {

struct Occurrence {
  ProvenancePtr prov;
  uint64_t offset = 0;  // byte offset of the secret within its object
  uint64_t line = 1;    // 1-based
  uint64_t column = 1;  // 1-based, in bytes
  std::string line_text;  // the line around the secret (bounded), for inline allow comments
};

// Whether a secret is live, as its provider answered (verifiers/). kSkipped: not checked (no
// verifier for the rule, a missing paired part, or checked under a more specific rule).
enum class VerifyStatus { kSkipped, kVerified, kInvalid, kUnknown };
inline std::string_view VerifyStatusName(VerifyStatus s) {
  switch (s) {
    case VerifyStatus::kVerified: return "verified";
    case VerifyStatus::kInvalid: return "invalid";
    case VerifyStatus::kUnknown: return "unknown";
    case VerifyStatus::kSkipped: break;
  }
  return "skipped";
}

struct Verification {
  VerifyStatus status = VerifyStatus::kSkipped;
  std::string reason;                // why (unknown: timeout, rate limited, TLS, ...); never the secret
  std::string identity;              // who owns it, as the provider names them
  std::vector<std::string> scopes;   // what it may do, where the provider tells
  std::string expires_at;            // as the provider gives it; empty: not revealed or none
  int64_t checked_at = 0;            // Unix time of the provider's answer; 0: never asked
  bool broad_scope = false;          // admin / write-all scopes
  bool no_expiry = false;            // live and never expires
};

struct Finding {
  uint32_t rule = 0;
  std::string secret;
  std::string fingerprint;            // hex SHA-256 of rule id, NUL, secret
  std::vector<Occurrence> occurrences;  // the first `max_occurrences` in arrival order
  uint64_t occurrence_count = 0;        // all of them
  std::optional<Verification> verification;  // set only when verification ran (--verify)
};

// Hex SHA-256 over rule_id + '\0' + secret: stable across runs, paths and commits.
std::string Fingerprint(std::string_view rule_id, std::string_view secret);

// Collects findings. Requires external synchronization (the pipeline adds from its serial stage).
class FindingSet {
 public:
  explicit FindingSet(size_t max_occurrences = 1000) : max_occurrences_(max_occurrences) {}
  void Add(uint32_t rule, std::string_view rule_id, std::string_view secret, Occurrence occ);
  size_t size() const { return findings_.size(); }
  uint64_t occurrence_count() const { return occurrences_; }
  // Findings ordered by rule id, then first location, then secret: deterministic output.
  std::vector<const Finding*> Sorted(const std::vector<std::string>& rule_ids) const;
  // Removes findings for which keep() is false.
  template <typename Pred> void EraseIf(Pred drop) {
    for (auto it = findings_.begin(); it != findings_.end();) {
      if (drop(it->second)) findings_.erase(it++); else ++it;
    }
  }

 private:
  struct Key {
    uint32_t rule;
    std::string secret;
    bool operator==(const Key& o) const { return rule == o.rule && secret == o.secret; }
    template <typename H> friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.rule, k.secret);
    }
  };
  size_t max_occurrences_;
  uint64_t occurrences_ = 0;
  absl::flat_hash_map<Key, Finding> findings_;
};

// "ghp_****" style redaction: a short prefix of the secret (at most 4 chars and at most a quarter of
// it) followed by asterisks. Never reveals more than that.
std::string Redact(std::string_view secret);

}  // namespace keysweep
