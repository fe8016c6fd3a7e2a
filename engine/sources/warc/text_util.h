// Small std::string_view helpers. Debian's abseil has its own absl::string_view type, so its
// string functions do not take std::string_view; these cover what the WARC parser needs.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace keysweep::warc {

inline char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool Contains(std::string_view s, std::string_view p) { return s.find(p) != s.npos; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

inline std::string_view StripRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return StripRight(s);
}

// Parses a whole non-empty decimal string; false on anything else or overflow.
inline bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// Parses a whole non-empty hex string of at most 15 digits.
inline bool ParseHex(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    char l = Lower(c);
    int d = IsDigit(l) ? l - '0' : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace keysweep::warc

namespace keysweep::warc {

// Calls f(line) for each '\n'-separated piece of s (the last one may be empty).
template <typename F>
void ForEachLine(std::string_view s, F f) {
  for (;;) {
    size_t nl = s.find('\n');
    f(s.substr(0, nl));
    if (nl == s.npos) return;
    s.remove_prefix(nl + 1);
  }
}

}  // namespace keysweep::warc
