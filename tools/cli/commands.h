// Subcommand entry points. Each gets the arguments after its name and returns the exit code.
#pragma once
#include <string>
#include <vector>

namespace keysweep::cli {

int ScanCommand(std::vector<std::string> args);   // scan_command.cc: files, folders, stdin
int RulesCommand(std::vector<std::string> args);  // rules_command.cc: rules list / rules check
int GitCommand(std::vector<std::string> args);    // git_command.cc: git history
int WarcCommand(std::vector<std::string> args);   // warc_command.cc: WARC / WET / WAT archives
int BaselineCommand(std::vector<std::string> args);  // baseline_command.cc: baseline create / prune
int ConfigCommand(std::vector<std::string> args);    // config_command.cc: import-gitleaks, show
int HookCommand(std::vector<std::string> args);      // hook_command.cc: git pre-commit hook

}  // namespace keysweep::cli
