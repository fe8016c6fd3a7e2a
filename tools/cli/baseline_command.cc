#include <unistd.h>

#include <cstdio>

#include "absl/container/flat_hash_set.h"
#include "engine/baseline.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kHelp[] = R"(Usage: keysweep baseline create [OPTIONS] [PATH...]
       keysweep baseline prune --baseline FILE [OPTIONS] [PATH...]

create  scans PATHs (as "keysweep scan" does) and prints a baseline of every finding:
        keysweep baseline create . > .keysweep-baseline.json
prune   scans PATHs and prints FILE without the entries that are no longer found.
        Write it back with -o FILE.

A baseline stores only fingerprints (SHA-256 of rule id and secret) and rule ids: no secret, path
or commit, so it survives file moves and squash-merges. "keysweep scan --baseline FILE" (and git,
warc) hides the findings it lists and counts them in the summary.

)";

}  // namespace

int BaselineCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  if (args.Done() || args.Flag("--help") || args.Flag("-h")) {
    std::printf("%s%s", kHelp, ScanFlagsHelp());
    return kExitClean;
  }
  const std::string sub = args.Take();
  if (sub != "create" && sub != "prune") {
    std::fprintf(stderr, "keysweep baseline: unknown subcommand '%s' (create, prune)\n", sub.c_str());
    return kExitError;
  }
  ScanFlags flags;
  std::vector<std::string> paths;
  if (int code = ParsePathArgs(args, "baseline", kHelp, &flags, &paths); code >= 0) return code;
  if (paths.empty()) paths.push_back(".");
  std::vector<BaselineEntry> previous;
  if (sub == "prune") {
    if (flags.baseline.empty()) {
      std::fprintf(stderr, "keysweep baseline prune: needs --baseline FILE\n");
      return kExitError;
    }
    auto loaded = LoadBaseline(flags.baseline);
    if (!loaded.ok()) {
      std::fprintf(stderr, "keysweep baseline prune: %s\n", std::string(loaded.status().message()).c_str());
      return kExitError;
    }
    previous = *std::move(loaded);
    flags.baseline.clear();  // scan everything; the report keeps what is still found
  }
  ScanHooks hooks;
  hooks.custom_report = [&](const std::vector<const Finding*>& findings, const std::vector<Rule>& rules, int* code) {
    *code = kExitClean;
    auto current = BaselineFor(findings, rules);
    if (sub == "create") return FormatBaseline(std::move(current));
    absl::flat_hash_set<std::string> found;
    for (const auto& e : current) found.insert(e.fingerprint);
    std::vector<BaselineEntry> kept;
    for (auto& e : previous)
      if (found.contains(e.fingerprint)) kept.push_back(std::move(e));
    std::fprintf(stderr, "keysweep baseline prune: kept %zu of %zu entries\n", kept.size(), previous.size());
    return FormatBaseline(std::move(kept));
  };
  return RunScan("baseline", flags, [&paths](const ScanFlags& resolved, ScanStats* stats, std::string*) {
    return MakeFileSource(paths, resolved, stats);
  }, hooks);
}

}  // namespace keysweep::cli
