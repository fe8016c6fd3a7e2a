#include <unistd.h>

#include <cstdio>

#include "engine/strings.h"
#include "engine/sources/fs_source.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kHelp[] = R"(Usage: keysweep scan [OPTIONS] [PATH...]

Scans files and folders (recursively; .git/ folders, symlinks and binary files are skipped and
counted). "-" reads standard input; with no PATH and standard input not a terminal, reads it.

)";

}  // namespace

int ScanCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  ScanFlags flags;
  std::vector<std::string> paths;
  bool only_positionals = false;
  while (!args.Done()) {
    if (!only_positionals) {
      if (args.Flag("--help") || args.Flag("-h")) {
        std::printf("%s%s", kHelp, ScanFlagsHelp());
        return kExitClean;
      }
      if (args.Flag("--")) { only_positionals = true; continue; }
      if (ParseScanFlag(args, &flags)) continue;
      if (args.Peek().size() > 1 && args.Peek()[0] == '-') {
        std::fprintf(stderr, "keysweep scan: unknown option %s (see keysweep scan --help)\n", args.Peek().c_str());
        return kExitError;
      }
    }
    paths.push_back(args.Take());
  }
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep scan: %s\n", args.error().c_str());
    return kExitError;
  }
  if (paths.empty()) {
    if (::isatty(STDIN_FILENO)) {
      std::fprintf(stderr, "keysweep scan: no PATH given (see keysweep scan --help)\n");
      return kExitError;
    }
    paths.push_back("-");
  }
  return RunScan("scan", flags, [&](ScanStats* stats, std::string*) -> std::unique_ptr<ChunkSource> {
    FsSourceOptions fo;
    fo.max_file_size = flags.max_file_size;
    fo.include_binary = flags.include_binary;
    return std::make_unique<FsSource>(paths, fo, stats);
  });
}

}  // namespace keysweep::cli
