#include "engine/strings.h"
#include "engine/findings.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "engine/sha256.h"

namespace keysweep {

std::string Fingerprint(std::string_view rule_id, std::string_view secret) {
  std::string material;
  material.reserve(rule_id.size() + 1 + secret.size());
  material.append(rule_id);
  material.push_back('\0');
  material.append(secret);
  return Sha256Hex(material);
}

void FindingSet::Add(uint32_t rule, std::string_view rule_id, std::string_view secret, Occurrence occ) {
  ++occurrences_;
  auto [it, inserted] = findings_.try_emplace(Key{rule, std::string(secret)});
  Finding& f = it->second;
  if (inserted) {
    f.rule = rule;
    f.secret = std::string(secret);
    f.fingerprint = Fingerprint(rule_id, secret);
  }
  ++f.occurrence_count;
  if (f.occurrences.size() < max_occurrences_) f.occurrences.push_back(std::move(occ));
}

std::vector<const Finding*> FindingSet::Sorted(const std::vector<std::string>& rule_ids) const {
  std::vector<const Finding*> out;
  out.reserve(findings_.size());
  for (const auto& [k, f] : findings_) out.push_back(&f);
  auto key = [&](const Finding* f) {
    const Occurrence* o = f->occurrences.empty() ? nullptr : &f->occurrences.front();
    return std::make_tuple(std::string_view(rule_ids[f->rule]),
                           o && o->prov ? std::string_view(o->prov->path) : std::string_view(),
                           o ? o->line : 0, o ? o->column : 0, std::string_view(f->secret));
  };
  std::sort(out.begin(), out.end(), [&](const Finding* a, const Finding* b) { return key(a) < key(b); });
  return out;
}

std::string Redact(std::string_view secret) {
  size_t keep = std::min<size_t>(4, secret.size() / 4);
  return Cat(secret.substr(0, keep), "*****");
}

}  // namespace keysweep
