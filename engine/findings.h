// Findings: one per (rule, secret), each with every place it occurs.
#pragma once
#include <cstdint>
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

struct Finding {
  uint32_t rule = 0;
  std::string secret;
  std::string fingerprint;            // hex SHA-256 of rule id, NUL, secret
  std::vector<Occurrence> occurrences;  // the first `max_occurrences` in arrival order
  uint64_t occurrence_count = 0;        // all of them
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
