#include "engine/strings.h"
#include "engine/scan_stats.h"

#include <cstdio>

namespace keysweep {
namespace {
constexpr size_t kMaxKeptMessages = 500;
}

void ScanStats::AddSkip(const std::string& reason, const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  ++skips_[reason];
  if (verbose_ && !quiet_) std::fprintf(stderr, "keysweep: skipped (%s): %s\n", reason.c_str(), what.c_str());
}

void ScanStats::AddError(const std::string& kind, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[kind];
  if (messages_.size() < kMaxKeptMessages) messages_.push_back(message);
  if (!quiet_) std::fprintf(stderr, "keysweep: error: %s\n", message.c_str());
}

void ScanStats::Count(const std::string& name, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_[name] += n;
}

std::map<std::string, uint64_t> ScanStats::skips() const {
  std::lock_guard<std::mutex> lock(mu_);
  return skips_;
}
std::map<std::string, uint64_t> ScanStats::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}
std::map<std::string, uint64_t> ScanStats::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}
uint64_t ScanStats::error_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [k, v] : errors_) n += v;
  return n;
}
std::vector<std::string> ScanStats::error_messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

}  // namespace keysweep
