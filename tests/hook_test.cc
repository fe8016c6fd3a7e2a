// The git pre-commit hook, through real "git commit" runs in temporary repositories.
#include <sys/wait.h>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::TempDir;

struct Sh {
  int code;
  std::string out;
};

// Runs a shell command in `dir`, capturing stdout+stderr.
Sh Shell(const std::string& dir, const std::string& cmd, const std::string& cache) {
  const std::string full = "cd '" + dir + "' && XDG_CACHE_HOME='" + cache +
                           "' GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t "
                           "GIT_COMMITTER_EMAIL=t@example.com " + cmd + " 2>&1";
  Sh r{-1, ""};
  FILE* p = ::popen(full.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

constexpr char kConfig[] = R"(
[rules]
only = ["acme-token"]
[[rule]]
id = "acme-token"
name = "Acme token"
category = "saas"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
)";

TEST(Hook, InstallChainsBlocksAllowsAndUninstalls) {
  TempDir d;
  const std::string repo = (d.path() / "repo").string();
  const std::string cache = (d.path() / "cache").string();
  std::filesystem::create_directories(repo);
  ASSERT_EQ(Shell(repo, "git init -q .", cache).code, 0);
  d.Write("repo/.keysweep.toml", kConfig);
  d.Write("repo/.git/info/exclude", ".keysweep.toml\n");
  // An existing hook that leaves a mark when it runs.
  d.Write("repo/.git/hooks/pre-commit", "#!/bin/sh\necho chained >> \"$(git rev-parse --git-dir)/chained-ran\"\n");
  std::filesystem::permissions(d.path() / "repo/.git/hooks/pre-commit", std::filesystem::perms::owner_all);

  auto inst = Shell(repo, std::string("'") + KEYSWEEP_BIN + "' hook install", cache);
  ASSERT_EQ(inst.code, 0) << inst.out;
  EXPECT_NE(inst.out.find("kept the existing hook"), std::string::npos) << inst.out;
  EXPECT_TRUE(std::filesystem::exists(d.path() / "repo/.git/hooks/pre-commit.keysweep-chained"));

  // A clean commit passes and runs the chained hook.
  d.Write("repo/app.py", "print('hello')\n");
  auto ok = Shell(repo, "git add app.py && git commit -q -m clean", cache);
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_TRUE(std::filesystem::exists(d.path() / "repo/.git/chained-ran"));

  // A commit adding a secret is blocked, with file, line, rule, redacted secret and the ways out.
  d.Write("repo/app.py", "print('hello')\nKEY = 'acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'\n");
  auto blocked = Shell(repo, "git add app.py && git commit -q -m leak", cache);
  EXPECT_NE(blocked.code, 0) << blocked.out;
  EXPECT_NE(blocked.out.find("app.py:2"), std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("acme-token"), std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("acme*****"), std::string::npos) << blocked.out;
  EXPECT_EQ(blocked.out.find("acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6"), std::string::npos) << "secret shown in full";
  EXPECT_NE(blocked.out.find("Three ways out"), std::string::npos) << blocked.out;
  EXPECT_NE(Shell(repo, "git log --oneline | wc -l", cache).out.find("1"), std::string::npos);

  // An inline allow lets it through.
  d.Write("repo/app.py", "print('hello')\nKEY = 'acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6'  # keysweep:allow\n");
  auto allowed = Shell(repo, "git add app.py && git commit -q -m allowed", cache);
  EXPECT_EQ(allowed.code, 0) << allowed.out;

  auto un = Shell(repo, std::string("'") + KEYSWEEP_BIN + "' hook uninstall", cache);
  EXPECT_EQ(un.code, 0) << un.out;
  EXPECT_FALSE(std::filesystem::exists(d.path() / "repo/.git/hooks/pre-commit.keysweep-chained"));
  const std::string restored = [&] {
    std::ifstream in(d.path() / "repo/.git/hooks/pre-commit");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  EXPECT_NE(restored.find("chained-ran"), std::string::npos) << "the original hook is back";
  EXPECT_EQ(Shell(repo, std::string("'") + KEYSWEEP_BIN + "' hook uninstall", cache).code, 2);
}

TEST(Hook, OutsideARepositoryIsAnError) {
  TempDir d;
  auto r = RunKeysweep({"hook", "install"}, "", d.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not inside a git repository"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keysweep
