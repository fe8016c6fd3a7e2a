#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/gitleaks_import.h"
#include "engine/rules.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {
namespace {

constexpr char kHelp[] = R"(Usage: keysweep config import-gitleaks [-o FILE] GITLEAKS_TOML
       keysweep config show [--config FILE]

import-gitleaks  converts a gitleaks config (rules, allowlists, stop-words, extend.useDefault,
                 extend.disabledRules) into .keysweep.toml text, on stdout or into FILE. Everything
                 that could not be converted is listed on stderr with the reason.
show             prints which config file applies here (found as scans find it) and checks it.
)";

}  // namespace

int ConfigCommand(std::vector<std::string> argv) {
  Args args(std::move(argv));
  if (args.Done() || args.Flag("--help") || args.Flag("-h")) {
    std::printf("%s", kHelp);
    return kExitClean;
  }
  const std::string sub = args.Take();
  std::string output, input, config_path;
  while (!args.Done()) {
    if (args.Flag("--help") || args.Flag("-h")) { std::printf("%s", kHelp); return kExitClean; }
    if (args.Value("-o", &output) || args.Value("--output", &output)) continue;
    if (args.Value("--config", &config_path)) continue;
    if (args.Peek().size() > 1 && args.Peek()[0] == '-') {
      std::fprintf(stderr, "keysweep config: unknown option %s\n", args.Peek().c_str());
      return kExitError;
    }
    input = args.Take();
  }
  if (!args.error().empty()) {
    std::fprintf(stderr, "keysweep config: %s\n", args.error().c_str());
    return kExitError;
  }
  if (sub == "show") {
    ScanFlags flags;
    flags.config_path = config_path;
    if (auto s = ResolveConfig(&flags); !s.ok()) {
      std::fprintf(stderr, "keysweep config: %s\n", std::string(s.message()).c_str());
      return kExitError;
    }
    if (!flags.config) {
      std::printf("no config file (looked for .keysweep.toml here and at the git root)\n");
      return kExitClean;
    }
    auto rules = LoadSelectedRules(flags);
    if (!rules.ok()) {
      std::fprintf(stderr, "keysweep config: %s\n", std::string(rules.status().message()).c_str());
      return kExitError;
    }
    std::printf("%s: ok, %zu rules selected, %zu inline rules, %zu overrides\n", flags.config->path.c_str(),
                rules->size(), flags.config->rules.size(), flags.config->overrides.size());
    return kExitClean;
  }
  if (sub != "import-gitleaks") {
    std::fprintf(stderr, "keysweep config: unknown subcommand '%s' (import-gitleaks, show)\n", sub.c_str());
    return kExitError;
  }
  if (input.empty()) {
    std::fprintf(stderr, "keysweep config import-gitleaks: needs the gitleaks config file\n");
    return kExitError;
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "keysweep config import-gitleaks: cannot open %s\n", input.c_str());
    return kExitError;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto builtin = LoadBuiltinRules();
  if (!builtin.ok()) {
    std::fprintf(stderr, "keysweep config: %s\n", std::string(builtin.status().message()).c_str());
    return kExitError;
  }
  auto result = ImportGitleaksConfig(ss.str(), input, *builtin);
  if (!result.ok()) {
    std::fprintf(stderr, "keysweep config import-gitleaks: %s\n", std::string(result.status().message()).c_str());
    return kExitError;
  }
  for (const auto& n : result->not_converted) std::fprintf(stderr, "not converted: %s\n", n.c_str());
  std::fprintf(stderr, "keysweep config import-gitleaks: %d rules converted, %zu items not converted\n",
               result->rules_converted, result->not_converted.size());
  if (output.empty()) {
    std::fwrite(result->keysweep_toml.data(), 1, result->keysweep_toml.size(), stdout);
  } else {
    std::ofstream out(output, std::ios::binary);
    out << result->keysweep_toml;
    if (!out) {
      std::fprintf(stderr, "keysweep config import-gitleaks: cannot write %s\n", output.c_str());
      return kExitError;
    }
  }
  return kExitClean;
}

}  // namespace keysweep::cli
