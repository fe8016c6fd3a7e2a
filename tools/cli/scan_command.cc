#include <unistd.h>

#include <cstdio>

#include "engine/strings.h"
#include "engine/sources/fs_source.h"
#include "engine/sources/warc/warc_reader.h"
#include "engine/sources/warc/warc_source.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kHelp[] = R"(Usage: keysweep scan [OPTIONS] [PATH...]

Scans files and folders (recursively; .git/ folders, symlinks and binary files are skipped and
counted). "-" reads standard input; with no PATH and standard input not a terminal, reads it.
WARC, WET and WAT archives (.warc, .warc.gz, .warc.zst) are recognised by their content and read
record by record, as "keysweep warc" does.

)";

}  // namespace

int ParsePathArgs(Args& args, const char* what, const char* help, ScanFlags* flags,
                  std::vector<std::string>* paths) {
  bool only_positionals = false;
  while (!args.Done()) {
    if (!only_positionals) {
      if (args.Flag("--help") || args.Flag("-h")) {
        std::printf("%s%s", help, ScanFlagsHelp());
        return kExitClean;
      }
      if (args.Flag("--")) { only_positionals = true; continue; }
      if (ParseScanFlag(args, flags)) continue;
      if (args.Peek().size() > 1 && args.Peek()[0] == '-') {
        std::fprintf(stderr, "keysweep %s: unknown option %s (see keysweep %s --help)\n", what,
                     args.Peek().c_str(), what);
        return kExitError;
      }
    }
    paths->push_back(args.Take());
  }
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep %s: %s\n", what, args.error().c_str());
    return kExitError;
  }
  return -1;
}

std::unique_ptr<ChunkSource> MakeFileSource(const std::vector<std::string>& paths, const ScanFlags& flags,
                                            ScanStats* stats) {
  FsSourceOptions fo;
  fo.max_file_size = flags.max_file_size;
  fo.include_binary = flags.include_binary;
  // WARC / WET / WAT archives (plain, gzip or zstd) are recognised by content and read record by
  // record, with record provenance, instead of as opaque bytes.
  warc::WarcOptions wo;
  wo.max_body = flags.max_file_size;
  wo.include_binary = flags.include_binary;
  wo.reader_threads = -1;  // decode on the scan's reader thread
  fo.delegate = [wo, stats](const std::string& path, std::string_view head) -> std::unique_ptr<ChunkSource> {
    if (!warc::LooksLikeWarc(head)) return nullptr;
    stats->Count("warc files found by content");
    return std::make_unique<warc::WarcFileReader>(path, wo, stats);
  };
  return std::make_unique<FsSource>(paths, fo, stats);
}

int ScanCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  ScanFlags flags;
  std::vector<std::string> paths;
  if (int code = ParsePathArgs(args, "scan", kHelp, &flags, &paths); code >= 0) return code;
  if (paths.empty()) {
    if (::isatty(STDIN_FILENO)) {
      std::fprintf(stderr, "keysweep scan: no PATH given (see keysweep scan --help)\n");
      return kExitError;
    }
    paths.push_back("-");
  }
  return RunScan("scan", flags, [&paths](const ScanFlags& resolved, ScanStats* stats, std::string*) {
    return MakeFileSource(paths, resolved, stats);
  });
}

}  // namespace keysweep::cli
