#include "engine/baseline.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "engine/report.h"
#include "engine/strings.h"

namespace keysweep {

absl::StatusOr<std::vector<BaselineEntry>> LoadBaseline(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat(path, ": cannot open baseline"));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text).get(root); err)
    return absl::InvalidArgumentError(Cat(path, ": not valid JSON: ", simdjson::error_message(err)));
  simdjson::dom::array entries;
  if (root["entries"].get(entries))
    return absl::InvalidArgumentError(Cat(path, ": not a keysweep baseline (no \"entries\" array)"));
  std::vector<BaselineEntry> out;
  size_t i = 0;
  for (simdjson::dom::element e : entries) {
    std::string_view fp, rule;
    if (e["fingerprint"].get(fp) || fp.size() != 64)
      return absl::InvalidArgumentError(Cat(path, ": entry ", i, ": missing or malformed \"fingerprint\""));
    if (e["rule_id"].get(rule)) rule = "";
    out.push_back({std::string(fp), std::string(rule)});
    ++i;
  }
  return out;
}

std::string FormatBaseline(std::vector<BaselineEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const BaselineEntry& a, const BaselineEntry& b) { return a.fingerprint < b.fingerprint; });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const BaselineEntry& a, const BaselineEntry& b) { return a.fingerprint == b.fingerprint; }),
                entries.end());
  std::string out = "{\n  \"keysweep_baseline\": 1,\n  \"entries\": [";
  for (size_t i = 0; i < entries.size(); ++i) {
    Append(&out, i ? ",\n" : "\n", "    {\"fingerprint\": \"", entries[i].fingerprint, "\", \"rule_id\": ",
           JsonString(entries[i].rule_id), "}");
  }
  out += entries.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::vector<BaselineEntry> BaselineFor(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules) {
  std::vector<BaselineEntry> out;
  for (const Finding* f : findings) out.push_back({f->fingerprint, rules[f->rule].id});
  return out;
}

}  // namespace keysweep
