// Counters and problems of one scan, reported in the summary. Thread-safe: sources and pipeline
// stages on any thread may record into it.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace keysweep {

class ScanStats {
 public:
  // Something scanned: one object (file, blob, record) of `bytes` bytes.
  void AddScanned(uint64_t objects, uint64_t bytes) {
    objects_.fetch_add(objects, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // Something not scanned on purpose ("binary", "too large", ...). `what` names it (path, offset).
  void AddSkip(const std::string& reason, const std::string& what);
  // A problem: unreadable file, corrupt object, bad record. The message names the file/offset/object.
  // It is printed on stderr at once (unless quiet) and counted under `kind`.
  void AddError(const std::string& kind, const std::string& message);
  // A free-form counter for source-specific figures ("records", "blobs", "commits", ...).
  void Count(const std::string& name, uint64_t n = 1);

  uint64_t objects() const { return objects_.load(); }
  uint64_t bytes() const { return bytes_.load(); }
  std::map<std::string, uint64_t> skips() const;
  std::map<std::string, uint64_t> errors() const;
  std::map<std::string, uint64_t> counters() const;
  uint64_t error_count() const;
  std::vector<std::string> error_messages() const;  // the first few hundred, in arrival order

  void set_quiet(bool quiet) { quiet_ = quiet; }
  void set_verbose(bool verbose) { verbose_ = verbose; }

 private:
  std::atomic<uint64_t> objects_{0};
  std::atomic<uint64_t> bytes_{0};
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> skips_;
  std::map<std::string, uint64_t> errors_;
  std::map<std::string, uint64_t> counters_;
  std::vector<std::string> messages_;
  bool quiet_ = false;
  bool verbose_ = false;
};

}  // namespace keysweep
