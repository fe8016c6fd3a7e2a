// Parsing of the `[rule.verify]` table; separate from verify_spec.h so that only the rule loader
// pulls in toml++.
#pragma once
#include <string_view>

#include <toml++/toml.h>

#include "absl/status/statusor.h"
#include "engine/verify_spec.h"

namespace keysweep {

// Parses and checks a `[rule.verify]` table. `provider` gives the default endpoint name. Errors say
// what is wrong (the caller adds the file and rule id).
absl::StatusOr<VerifySpec> ParseVerifySpec(const toml::table& t, std::string_view provider);
// The same from the table's TOML text (Rule::verify_source), as the built-in rule table stores it.
absl::StatusOr<VerifySpec> ParseVerifySpecText(std::string_view text, std::string_view provider);

}  // namespace keysweep
