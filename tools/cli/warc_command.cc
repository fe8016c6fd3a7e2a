// `keysweep warc FILE...` / `keysweep warc --manifest LIST`: scans WARC, WET and WAT archives
// (plain, per-record or whole-file gzip, warc-zstd) record by record.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/sources/warc/warc_source.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kUsage[] =
    "Usage: keysweep warc [options] FILE...\n"
    "       keysweep warc [options] --manifest LIST\n"
    "\n"
    "Scans web archives for secrets: WARC, WET and WAT files, plain (.warc), gzip'd (.warc.gz,\n"
    "one member per record as Common Crawl writes them, or any other member layout) or zstd'd\n"
    "(.warc.zst, IIPC warc-zstd with its dictionary). FILE '-' reads stdin. The payloads of\n"
    "response, request, resource, conversion (WET) and textual metadata (WAT) records are\n"
    "scanned; HTTP chunked and gzip/deflate bodies are decoded. Each finding names the file, the\n"
    "byte offset of its record in the file as stored (one range request fetches it), the record\n"
    "id, target URI and date. Broken input is reported with its offset and skipped.\n"
    "\n"
    "WARC options:\n"
    "  --manifest LIST       read the files to scan from LIST, one per line ('-' for stdin;\n"
    "                        gzip'd lists such as Common Crawl's warc.paths.gz are fine)\n"
    "  --prefix DIR          put DIR in front of relative paths from the manifest\n"
    "  --readers N           files decoded side by side (default: half the threads, at least 1)\n"
    "  -h, --help            this help\n"
    "\n"
    "  --max-file-size caps the decoded HTTP body scanned per record (decompression bombs);\n"
    "  --include-binary also scans image, audio, video, font and archive payloads.\n"
    "\n"
    "Scan options:\n";

}  // namespace

int WarcCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  ScanFlags flags;
  std::vector<std::string> files;
  std::string manifest, prefix, readers_text;
  while (!args.Done() && args.error().empty()) {
    if (args.Flag("--help") || args.Flag("-h")) {
      std::fputs(kUsage, stdout);
      std::fputs(ScanFlagsHelp(), stdout);
      return kExitClean;
    }
    if (args.Value("--manifest", &manifest) || args.Value("--prefix", &prefix) ||
        args.Value("--readers", &readers_text))
      continue;
    if (ParseScanFlag(args, &flags)) continue;
    if (args.Peek() == "--") {
      args.Take();
      while (!args.Done()) files.push_back(args.Take());
      break;
    }
    if (args.Peek().size() > 1 && args.Peek()[0] == '-') {
      args.set_error("unknown option " + args.Peek() + " (see keysweep warc --help)");
      break;
    }
    files.push_back(args.Take());
  }
  int readers = 0;
  if (args.error().empty() && !readers_text.empty()) {
    try {
      readers = std::stoi(readers_text);
    } catch (...) {
      readers = -1;
    }
    if (readers < 1 || readers > 256) args.set_error("--readers needs a number from 1 to 256");
  }
  if (args.error().empty() && !manifest.empty()) {
    auto listed = warc::ReadManifest(manifest, prefix);
    if (!listed.ok()) {
      args.set_error("cannot read manifest: " + std::string(listed.status().message()));
    } else {
      files.insert(files.end(), listed->begin(), listed->end());
    }
  }
  if (args.error().empty() && files.empty())
    args.set_error("no WARC files given (FILE... or --manifest LIST; see keysweep warc --help)");
  if (args.error().empty() && manifest == "-" &&
      std::find(files.begin(), files.end(), "-") != files.end())
    args.set_error("stdin cannot be both the manifest and a WARC file");
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep warc: %s\n", args.error().c_str());
    return kExitError;
  }

  warc::WarcOptions options;
  if (readers == 0) {
    int threads = flags.threads > 0 ? flags.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    readers = std::max(1, threads / 2);
  }
  options.reader_threads = std::min<int>(readers, static_cast<int>(files.size()));
  SourceFactory factory = [files, options](const ScanFlags& resolved, ScanStats* stats,
                                           std::string*) mutable -> std::unique_ptr<ChunkSource> {
    options.max_body = resolved.max_file_size;
    options.include_binary = resolved.include_binary;
    return warc::MakeWarcSource(files, options, stats);
  };
  return RunScan("warc", flags, factory);
}

}  // namespace keysweep::cli
