// Helpers shared by the tests: temp folders, running the keysweep binary, small rule sets.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/rules.h"

namespace keysweep::testing {

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/rel (creating folders) and returns the full path.
  std::string Write(const std::string& rel, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the keysweep binary with `args` (each shell-quoted), optional stdin text.
RunResult RunKeysweep(const std::vector<std::string>& args, const std::string& stdin_text = "",
                      const std::string& cwd = "");

// Parses rules from TOML text; fails the test (and returns empty) on error.
std::vector<Rule> RulesFromToml(const std::string& toml);

}  // namespace keysweep::testing
