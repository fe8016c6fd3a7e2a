// On-disk cache of compiled Hyperscan databases, keyed by the rules' content, the Hyperscan version
// and the platform. Entries are checksummed; a corrupt, truncated or foreign entry is ignored (and
// replaced on the next store), never trusted.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <hs/hs.h>

#include "engine/rules.h"

namespace keysweep {

// Hex key over everything that determines the compiled database.
std::string HsCacheKey(const std::vector<Rule>& rules, unsigned hs_flags);

struct CachedHsDatabase {
  hs_database_t* db;               // caller owns
  std::vector<uint32_t> windows;   // confirm window per rule
};

std::optional<CachedHsDatabase> LoadHsCache(const std::string& dir, const std::string& key,
                                            size_t rule_count);
// Best effort: failures to write are ignored (the cache is an optimisation).
void StoreHsCache(const std::string& dir, const std::string& key, const hs_database_t* db,
                  const std::vector<uint32_t>& windows);

}  // namespace keysweep
