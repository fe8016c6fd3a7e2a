// Debian's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), so
// absl::StrCat does not take std::string_view. Cat/Append forward to absl with that conversion.
#pragma once
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace keysweep {
namespace strings_internal {
inline absl::string_view Arg(std::string_view s) { return absl::string_view(s.data(), s.size()); }
template <typename T>
const T& Arg(const T& v) { return v; }
}  // namespace strings_internal

template <typename... T>
std::string Cat(const T&... v) {
  return absl::StrCat(strings_internal::Arg(v)...);
}

template <typename... T>
void Append(std::string* out, const T&... v) {
  absl::StrAppend(out, strings_internal::Arg(v)...);
}

}  // namespace keysweep
