// Helpers for the git source tests: throw-away repositories built with the git CLI in a temporary
// folder, with fixed identities and dates, and a way to drain a ChunkSource.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/chunk.h"
#include "engine/scan_stats.h"
#include "engine/sources/git/git_history_source.h"
#include "gtest/gtest.h"

namespace keysweep::testing {

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''"; else out += c;
  }
  return out + "'";
}

// Runs a shell command; returns its stdout with the trailing newline removed. A failing command
// fails the current test.
inline std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "cannot run " << cmd;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class TempGitRepo {
 public:
  explicit TempGitRepo(bool init = true) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "keysweep-git-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
    if (init) Git("init -q -b main");
  }
  ~TempGitRepo() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempGitRepo(const TempGitRepo&) = delete;
  TempGitRepo& operator=(const TempGitRepo&) = delete;

  const std::string& path() const { return path_; }

  // `git <args>` in the repository, with a fixed identity and no user or system configuration.
  std::string Git(const std::string& args, int64_t time = 1700000000) const {
    const std::string date = std::to_string(time) + " +0000";
    return Run("cd " + ShellQuote(path_) + " && env -u GIT_DIR -u GIT_WORK_TREE HOME=" +
               ShellQuote(path_) + " GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME='Ada Lovelace'" +
               " GIT_AUTHOR_EMAIL=ada@example.com GIT_COMMITTER_NAME='Ada Lovelace'" +
               " GIT_COMMITTER_EMAIL=ada@example.com GIT_AUTHOR_DATE='" + date +
               "' GIT_COMMITTER_DATE='" + date + "' git -c gc.auto=0 -c commit.gpgsign=false " + args);
  }

  void Write(const std::string& rel, const std::string& content) const {
    const std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  // Stages everything and commits; returns the new commit id.
  std::string Commit(const std::string& message, int64_t time = 1700000000) const {
    Git("add -A", time);
    Git("commit -q --allow-empty -m " + ShellQuote(message), time);
    return Git("rev-parse HEAD");
  }

 private:
  std::string path_;
};

inline std::vector<Chunk> Drain(ChunkSource& src) {
  std::vector<Chunk> out;
  Chunk c;
  while (src.Next(&c)) out.push_back(std::move(c));
  return out;
}

// Secrets in well-known formats; the values are random test data, not credentials.
// Every chunk GitHistorySource yields for `repo` (quiet: no note on stderr for an empty repository).
inline std::vector<Chunk> ScanHistory(const TempGitRepo& repo, ScanStats* stats, git::GitSourceOptions o = {}) {
  o.repo_path = repo.path();
  o.quiet = true;
  auto src = git::GitHistorySource::Create(o, stats);
  EXPECT_TRUE(src.ok()) << src.status();
  if (!src.ok()) return {};
  return Drain(**src);
}

inline constexpr char kAwsKey[] = "AKIAQX7HZ2K4M5N6P3RT";
inline constexpr char kAwsKey2[] = "AKIAZ2Y7W3V4U5T6S7QR";
inline constexpr char kStripeKey[] = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

}  // namespace keysweep::testing
