// Rule files compiled into the binary (generated from detectors/*.toml at build time).
#pragma once
#include <string_view>
#include <vector>

namespace keysweep {

struct EmbeddedRuleFile {
  std::string_view path;     // "detectors/<name>.toml"
  std::string_view content;  // the TOML text
};

const std::vector<EmbeddedRuleFile>& EmbeddedRuleFiles();

}  // namespace keysweep
