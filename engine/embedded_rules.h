// The built-in rules, compiled into the binary. tools/rulegen parses detectors/*.toml at build time
// (a bad rule file fails the build with the parser's message) and emits them as a flat table of
// strings, so a start-up costs no TOML parsing.
#pragma once
#include <string_view>

namespace keysweep {

// The encoded table (see tools/rulegen.cc for the layout) and its length.
struct EmbeddedRuleTable {
  const std::string_view* strings;
  size_t size;
};
EmbeddedRuleTable BuiltinRuleTable();

}  // namespace keysweep
