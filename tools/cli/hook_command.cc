// keysweep hook install | uninstall | run: a plain git pre-commit hook that scans what is staged.
// An existing hook is kept and chained (renamed to pre-commit.keysweep-chained and run after ours),
// never overwritten; uninstall puts it back.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/strings.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kHelp[] = R"(Usage: keysweep hook install [--force] [--binary PATH]
       keysweep hook uninstall
       keysweep hook run          (what the installed hook calls)

install    writes .git/hooks/pre-commit (or the core.hooksPath folder) to run
           "keysweep git --staged" before every commit. An existing pre-commit hook is kept,
           renamed to pre-commit.keysweep-chained, and run after keysweep passes.
uninstall  removes the keysweep hook and restores the chained one.
run        scans the staged changes; on findings prints the three ways out and exits 1.

For the pre-commit framework, use the .pre-commit-hooks.yaml at the root of the keysweep
repository (hook id: keysweep).
)";

constexpr char kMarker[] = "# keysweep pre-commit hook";
constexpr char kChained[] = "pre-commit.keysweep-chained";

std::string Capture(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) { *status = -1; return out; }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The hooks folder git uses here (honours core.hooksPath and worktrees).
bool HooksDir(fs::path* dir) {
  int status = 0;
  std::string d = Capture("git rev-parse --git-path hooks 2>/dev/null", &status);
  if (status != 0 || d.empty()) {
    std::fprintf(stderr, "keysweep hook: not inside a git repository\n");
    return false;
  }
  *dir = fs::absolute(d);
  return true;
}

std::string SelfPath() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("keysweep") : p.string();
}

std::string HookScript(const std::string& binary) {
  return Cat("#!/bin/sh\n", kMarker, " (installed by \"keysweep hook install\"; remove with \"keysweep hook uninstall\")\n",
             "KEYSWEEP=", ShellQuote(binary), "\n",
             "[ -x \"$KEYSWEEP\" ] || KEYSWEEP=keysweep\n",
             "\"$KEYSWEEP\" hook run || exit $?\n",
             "chained=\"$(dirname \"$0\")/", kChained, "\"\n",
             "if [ -x \"$chained\" ]; then exec \"$chained\" \"$@\"; fi\n",
             "exit 0\n");
}

int Install(bool force, std::string binary) {
  fs::path dir;
  if (!HooksDir(&dir)) return kExitError;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path hook = dir / "pre-commit";
  const fs::path chained = dir / kChained;
  if (binary.empty()) binary = SelfPath();
  if (fs::exists(hook, ec)) {
    const std::string existing = Slurp(hook);
    if (existing.find(kMarker) != std::string::npos) {
      std::printf("keysweep hook: already installed in %s (rewritten)\n", hook.c_str());
    } else if (fs::exists(chained, ec) && !force) {
      std::fprintf(stderr, "keysweep hook: %s exists and %s is taken; use --force to replace the chained hook\n",
                   hook.c_str(), chained.c_str());
      return kExitError;
    } else {
      fs::rename(hook, chained, ec);
      if (ec) {
        std::fprintf(stderr, "keysweep hook: cannot move the existing hook aside: %s\n", ec.message().c_str());
        return kExitError;
      }
      std::printf("keysweep hook: kept the existing hook as %s; it runs after keysweep\n", chained.c_str());
    }
  }
  {
    std::ofstream out(hook, std::ios::binary | std::ios::trunc);
    out << HookScript(binary);
    if (!out) {
      std::fprintf(stderr, "keysweep hook: cannot write %s\n", hook.c_str());
      return kExitError;
    }
  }
  ::chmod(hook.c_str(), 0755);
  std::printf("keysweep hook: installed %s\n", hook.c_str());
  return kExitClean;
}

int Uninstall() {
  fs::path dir;
  if (!HooksDir(&dir)) return kExitError;
  std::error_code ec;
  const fs::path hook = dir / "pre-commit";
  const fs::path chained = dir / kChained;
  if (!fs::exists(hook, ec) || Slurp(hook).find(kMarker) == std::string::npos) {
    std::fprintf(stderr, "keysweep hook: no keysweep hook in %s\n", dir.c_str());
    return kExitError;
  }
  fs::remove(hook, ec);
  if (fs::exists(chained, ec)) {
    fs::rename(chained, hook, ec);
    std::printf("keysweep hook: removed; restored the previous hook\n");
  } else {
    std::printf("keysweep hook: removed\n");
  }
  return kExitClean;
}

int Run(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--staged"};
  args.insert(args.end(), extra.begin(), extra.end());
  const int code = GitCommand(args);
  if (code == kExitFindings) {
    std::fprintf(stderr,
                 "\nkeysweep blocked this commit: the staged changes above contain a secret (file, line, rule and\n"
                 "redacted secret are listed). Three ways out:\n"
                 "  1. remove it: delete the secret from the file, keep it in a secret store or environment\n"
                 "     variable, \"git add\" again (and rotate it if it was ever pushed anywhere);\n"
                 "  2. if it is not a real secret, mark the line: add a comment containing keysweep:allow\n"
                 "     (or put keysweep:allow-next-line on the line before);\n"
                 "  3. accept it for good: keysweep baseline create . > .keysweep-baseline.json and set\n"
                 "     baseline = \".keysweep-baseline.json\" under [scan] in .keysweep.toml.\n"
                 "To bypass the hook once: git commit --no-verify.\n");
  }
  return code;
}

}  // namespace

int HookCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  if (args.Done() || args.Flag("--help") || args.Flag("-h")) {
    std::printf("%s", kHelp);
    return kExitClean;
  }
  const std::string sub = args.Take();
  if (sub == "run") {
    std::vector<std::string> rest;
    while (!args.Done()) rest.push_back(args.Take());
    return Run(std::move(rest));
  }
  bool force = false;
  std::string binary;
  while (!args.Done()) {
    if (args.Flag("--help") || args.Flag("-h")) { std::printf("%s", kHelp); return kExitClean; }
    if (args.Flag("--force")) { force = true; continue; }
    if (args.Value("--binary", &binary)) continue;
    std::fprintf(stderr, "keysweep hook: unknown argument %s\n", args.Peek().c_str());
    return kExitError;
  }
  if (sub == "install") return Install(force, binary);
  if (sub == "uninstall") return Uninstall();
  std::fprintf(stderr, "keysweep hook: unknown subcommand '%s' (install, uninstall, run)\n", sub.c_str());
  return kExitError;
}

}  // namespace keysweep::cli
