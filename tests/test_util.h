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

// A rule file with one rule of our own ("acme-token"), so CLI tests do not depend on the built-in
// rule set, and a secret it finds.
inline constexpr char kAcmeRuleToml[] = R"(
provider = "Acme"
[[rule]]
id = "acme-token"
name = "Acme token"
category = "saas"
confidence = "high"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
references = ["https://acme.example/docs"]
negative = ['acme_short', 'acme_0000']
  [[rule.positive]]
  text = 'x = acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'
  secret = 'acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'
  [[rule.positive]]
  text = 'acme_Pq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'
  secret = 'acme_Pq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'
)";
inline constexpr char kAcmeSecret[] = "acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6";

// Parses rules from TOML text; fails the test (and returns empty) on error.
std::vector<Rule> RulesFromToml(const std::string& toml);

}  // namespace keysweep::testing
