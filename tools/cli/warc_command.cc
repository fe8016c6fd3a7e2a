#include <cstdio>

#include "engine/strings.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace keysweep::cli {

int WarcCommand(std::vector<std::string> args) {
  (void)args;
  std::fprintf(stderr, "keysweep warc: not implemented yet\n");
  return kExitError;
}

}  // namespace keysweep::cli
