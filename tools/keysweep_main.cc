// keysweep: finds secrets in files, git history and web archives. See README.md.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace {

constexpr char kHelp[] = R"(keysweep: find secrets (API keys, tokens, private keys, passwords) fast.

Usage: keysweep <command> [options]

Commands:
  scan [PATH...]     scan files and folders (or stdin)
  git [REPO]         scan every blob of a git repository's history, or --staged changes
  warc FILE...       scan WARC / WET / WAT web archives (.warc, .warc.gz, .warc.zst)
  rules list|check   list the rules, or run every rule's examples
  baseline create|prune   record accepted findings (fingerprints only) to hide them later
  config import-gitleaks|show   convert a gitleaks config; show the config in force
  hook install|uninstall  a git pre-commit hook running "keysweep git --staged"

Run "keysweep <command> --help" for a command's options.

Exit codes: 0 no findings, 1 findings (or --exit-code N), 2 error.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace keysweep::cli;
  if (argc < 2) {
    std::fputs(kHelp, stderr);
    return kExitError;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") { std::fputs(kHelp, stdout); return kExitClean; }
  if (cmd == "--version" || cmd == "-V" || cmd == "version") { std::printf("keysweep %s\n", KEYSWEEP_VERSION); return kExitClean; }
  if (cmd == "scan") return ScanCommand(std::move(rest));
  if (cmd == "git") return GitCommand(std::move(rest));
  if (cmd == "warc") return WarcCommand(std::move(rest));
  if (cmd == "rules") return RulesCommand(std::move(rest));
  if (cmd == "baseline") return BaselineCommand(std::move(rest));
  if (cmd == "config") return ConfigCommand(std::move(rest));
  if (cmd == "hook") return HookCommand(std::move(rest));
  std::fprintf(stderr, "keysweep: unknown command '%s'\n\n%s", cmd.c_str(), kHelp);
  return kExitError;
}
