// `keysweep git [REPO]`: scans a repository's history (every blob of every ref, once, with the
// commits that introduced it), a commit range (CI), or the staged changes (pre-commit).
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/sources/git/git_history_source.h"
#include "engine/sources/git/range_filter.h"
#include "engine/sources/git/staged_source.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kUsage[] =
    "Usage: keysweep git [REPO] [options]\n"
    "\n"
    "Scans a git repository (default: the current folder; work trees, bare repositories and\n"
    "mirrors) for secrets. By default: the content of every blob reachable from every ref\n"
    "(branches, tags, remotes, stash, HEAD), every commit message and every annotated tag's\n"
    "message. Each distinct blob is scanned once; each finding lists the blob, path, line and\n"
    "the commits that introduced it (a tag message: the tag, its tagger and its commit).\n"
    "\n"
    "Git options:\n"
    "  --all-objects         also scan objects no ref reaches (dangling commits and blobs left\n"
    "                        by rewritten history, deleted annotated tags)\n"
    "  --range A..B          scan only what the commits in A..B introduced (and the messages\n"
    "                        of tags on those commits), and report only findings first\n"
    "                        introduced there (CI)\n"
    "  --since-commit REV    the same as --range REV..HEAD\n"
    "  --staged              scan what the index adds or changes relative to HEAD (works before\n"
    "                        the first commit) and report findings on added lines only\n"
    "                        (pre-commit)\n"
    "  -h, --help            this help\n"
    "\n"
    "Scan options:\n";

}  // namespace

int GitCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  ScanFlags flags;
  std::string repo, range, since;
  bool all_objects = false, staged = false;
  while (!args.Done() && args.error().empty()) {
    if (args.Flag("--help") || args.Flag("-h")) {
      std::fputs(kUsage, stdout);
      std::fputs(ScanFlagsHelp(), stdout);
      return kExitClean;
    }
    if (args.Flag("--all-objects")) { all_objects = true; continue; }
    if (args.Flag("--staged")) { staged = true; continue; }
    if (args.Value("--range", &range) || args.Value("--since-commit", &since)) continue;
    if (ParseScanFlag(args, &flags)) continue;
    if (args.Peek() == "--") {
      args.Take();
      if (!args.Done()) repo = args.Take();
      continue;
    }
    if (!args.Peek().empty() && args.Peek()[0] == '-') {
      args.set_error("unknown option " + args.Peek() + " (see keysweep git --help)");
      break;
    }
    if (!repo.empty()) {
      args.set_error("only one repository per run (got " + repo + " and " + args.Peek() + ")");
      break;
    }
    repo = args.Take();
  }
  if (args.error().empty()) {
    const int modes = int{!range.empty()} + int{!since.empty()} + int{staged};
    if (modes > 1) args.set_error("--range, --since-commit and --staged exclude each other");
    if (all_objects && modes > 0) args.set_error("--all-objects scans the whole history: it does not combine with --range, --since-commit or --staged");
    if (!range.empty() && range.find("..") == std::string::npos) {
      args.set_error("--range needs A..B (got " + range + ")");
    }
  }
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep git: %s\n", args.error().c_str());
    return kExitError;
  }
  if (repo.empty()) repo = ".";
  if (!since.empty()) range = since + "..HEAD";

  if (staged) {
    auto lines = std::make_shared<std::shared_ptr<const git::StagedLines>>();
    git::StagedOptions so;
    so.repo_path = repo;
    SourceFactory factory = [so, lines](const ScanFlags& resolved, ScanStats* stats,
                                        std::string* error) mutable -> std::unique_ptr<ChunkSource> {
      so.max_file_size = resolved.max_file_size;
      so.include_binary = resolved.include_binary;
      auto src = git::StagedSource::Create(so, stats);
      if (!src.ok()) {
        *error = std::string(src.status().message());
        return nullptr;
      }
      *lines = (*src)->lines();
      return *std::move(src);
    };
    ScanHooks hooks;
    hooks.keep_occurrence = [lines](const Occurrence& occ) { return *lines == nullptr || (*lines)->Keep(occ); };
    return RunScan("git", flags, factory, hooks);
  }

  git::GitSourceOptions go;
  go.repo_path = repo;
  go.history.all_objects = all_objects;
  go.history.range = range;
  auto filter = std::make_shared<std::unique_ptr<git::RangeFilter>>();
  SourceFactory factory = [go, filter](const ScanFlags& resolved, ScanStats* stats,
                                       std::string* error) mutable -> std::unique_ptr<ChunkSource> {
    go.history.threads = resolved.threads;
    go.max_file_size = resolved.max_file_size;
    go.include_binary = resolved.include_binary;
    go.quiet = resolved.quiet;
    auto src = git::GitHistorySource::Create(go, stats);
    if (!src.ok()) {
      *error = std::string(src.status().message());
      return nullptr;
    }
    if (!go.history.range.empty()) {
      *filter = std::make_unique<git::RangeFilter>(go.repo_path, (*src)->index());
    }
    return *std::move(src);
  };
  ScanHooks hooks;
  if (!range.empty()) {
    hooks.post_process = [filter](FindingSet* findings) {
      if (*filter != nullptr) (*filter)->Apply(findings);
    };
  }
  return RunScan("git", flags, factory, hooks);
}

}  // namespace keysweep::cli
