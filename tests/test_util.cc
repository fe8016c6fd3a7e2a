#include "tests/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <sstream>

#include "gtest/gtest.h"

namespace keysweep::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("keysweep-test-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& rel, const std::string& content) const {
  auto p = path_ / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

namespace {
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''"; else q += c;
  }
  return q + "'";
}
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

RunResult RunKeysweep(const std::vector<std::string>& args, const std::string& stdin_text, const std::string& cwd) {
  TempDir io;
  const std::string in = io.Write("stdin", stdin_text);
  const std::string out = (io.path() / "stdout").string(), err = (io.path() / "stderr").string();
  // By default run in a fresh folder outside any repository, so no .keysweep.toml applies by accident.
  std::string cmd = "cd " + Quote(cwd.empty() ? io.path().string() : cwd) + " && ";
  cmd += "XDG_CACHE_HOME=" + Quote((io.path() / "cache").string()) + " " + Quote(KEYSWEEP_BIN);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " <" + Quote(in) + " >" + Quote(out) + " 2>" + Quote(err);
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::vector<Rule> RulesFromToml(const std::string& toml) {
  auto rules = ParseRuleFile(toml, "test.toml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : std::vector<Rule>{};
}

}  // namespace keysweep::testing
