// Shared pieces of the keysweep command line: argument parsing, the common scan flags, and RunScan,
// which wires a ChunkSource to rules, matcher, pipeline and reports. Each subcommand lives in its own
// <name>_command.cc and only builds its source.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/chunk.h"
#include "engine/config.h"
#include "engine/findings.h"
#include "engine/matcher.h"
#include "engine/rules.h"
#include "engine/scan_stats.h"

namespace keysweep::cli {

// Exit codes (README "Exit codes").
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

// A minimal argument cursor: --flag, --flag=value, --flag value, positionals, and "--".
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
  bool Done() const { return pos_ >= args_.size(); }
  // Current token (requires !Done()).
  const std::string& Peek() const { return args_[pos_]; }
  // If the current token is `name` (or `name=...`), consumes it and returns true.
  bool Flag(const char* name);
  // If the current token is `name` with a value (`name=v` or `name v`), consumes both and sets *value.
  // A missing value is recorded as an error (see error()).
  bool Value(const char* name, std::string* value);
  // Consumes the current token as a positional argument.
  std::string Take() { return args_[pos_++]; }
  const std::string& error() const { return error_; }
  void set_error(std::string e) { if (error_.empty()) error_ = std::move(e); }

 private:
  std::vector<std::string> args_;
  size_t pos_ = 0;
  std::string error_;
};

// Flags every scanning subcommand accepts (listed by ScanFlagsHelp()).
struct ScanFlags {
  std::vector<std::string> rule_paths;      // --rules PATH (repeatable)
  bool no_builtin_rules = false;            // --no-builtin-rules
  std::vector<std::string> only_rules;      // --only-rules ID[,ID...]
  std::vector<std::string> disable_rules;   // --disable-rules ID[,ID...]
  std::vector<std::string> categories;      // --categories CAT[,CAT...]
  Confidence min_confidence = Confidence::kLow;  // --min-confidence low|medium|high
  std::string format = "text";              // --format text|json|jsonl|sarif|github|junit
  std::string output;                       // --output FILE (default stdout)
  bool no_redact = false;                   // --no-redact
  int threads = 0;                          // --threads N
  uint64_t max_file_size = 100ull << 20;    // --max-file-size BYTES (k/m/g suffixes)
  bool include_binary = false;              // --include-binary
  std::optional<int> exit_code;             // --exit-code N (code when findings are reported)
  std::string color = "auto";               // --color auto|always|never
  bool quiet = false;                       // --quiet: no summary, no per-error lines on stderr
  size_t max_occurrences = 100;             // --max-occurrences N per finding in reports
  std::string cache_dir;                    // --cache-dir DIR ("none" disables the database cache)
  std::string baseline;                     // --baseline FILE: hide findings whose fingerprint it lists
  // Verification (verifiers/). The test hook KEYSWEEP_VERIFY_TEST_HOSTS=host=127.0.0.1:PORT,...
  // (environment only) sends a host's requests to a loopback fake provider.
  bool verify = false;                      // --verify
  bool only_verified = false;               // --only-verified (implies --verify)
  std::string verify_cache;                 // --verify-cache FILE
  std::vector<std::string> verify_endpoints;  // --verify-endpoint PROVIDER=URL (repeatable)
  int verify_concurrency = 16;              // --verify-concurrency N
  std::string config_path;                  // --config FILE (default: .keysweep.toml, see engine/config.h)
  bool no_config = false;                   // --no-config
  std::set<std::string> given;              // flags given on the command line (they beat the config)
  std::shared_ptr<const Config> config;     // set by ResolveConfig
};

// Loads the config file the flags name (or finds .keysweep.toml) and fills in every setting the
// command line did not give. RunScan calls it; commands that do not scan may call it themselves.
absl::Status ResolveConfig(ScanFlags* flags);

// Parses scan flags and positional PATHs (after "--" everything is a path) for file-scanning
// commands. Returns -1 to go on, or the exit code to return (after --help or a usage error).
int ParsePathArgs(Args& args, const char* what, const char* help, ScanFlags* flags,
                  std::vector<std::string>* paths);
// Files, folders and stdin ("-"), with WARC archives recognised by content.
std::unique_ptr<ChunkSource> MakeFileSource(const std::vector<std::string>& paths, const ScanFlags& flags,
                                            ScanStats* stats);

// Tries to consume one scan flag at the cursor; returns true if it did.
bool ParseScanFlag(Args& args, ScanFlags* flags);
// Help text for the scan flags, indented for --help output.
const char* ScanFlagsHelp();

// The rules the flags select (built-in unless --no-builtin-rules, plus --rules, then
// --only-rules / --disable-rules), and the matcher over them.
absl::StatusOr<std::vector<Rule>> LoadSelectedRules(const ScanFlags& flags);
absl::StatusOr<std::unique_ptr<Matcher>> BuildMatcher(const ScanFlags& flags);

// Hooks a source can give RunScan.
struct ScanHooks {
  // Called once per occurrence before it is added; return false to drop it (e.g. --staged keeps
  // only added lines). Runs on the collector thread.
  std::function<bool(const Occurrence&)> keep_occurrence;
  // Called after the pipeline finished, before reporting (e.g. drop findings first introduced
  // outside a commit range).
  std::function<void(FindingSet*)> post_process;
  // Replaces the report: gets the final findings, returns the text to print and sets the exit code.
  std::function<std::string(const std::vector<const Finding*>&, const std::vector<Rule>&, int* exit_code)>
      custom_report;
};

// Loads the rules the flags select, builds the matcher, makes the source, runs the pipeline, prints
// the report and the summary, and returns the exit code. `what` names the subcommand in messages.
// The factory gets the flags as resolved with the config file (size caps, threads, ...) and the
// stats object the scan uses; on failure it returns null and sets *error.
using SourceFactory = std::function<std::unique_ptr<ChunkSource>(const ScanFlags& flags, ScanStats* stats,
                                                                 std::string* error)>;
int RunScan(const char* what, const ScanFlags& flags, const SourceFactory& make_source,
            const ScanHooks& hooks = {});

}  // namespace keysweep::cli
