// Turns one WARC file (plain, gzip with any member layout, or IIPC warc-zstd) into a stream of
// decoded bytes, and remembers where each compressed member starts so a record's decoded position
// can be mapped back to the byte offset a user would range-request.
// Not thread-safe: one decoder per reader.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace keysweep::warc {

enum class Compression { kNone, kGzip, kZstd };

// Detects the compression from the first bytes of a file (gzip and zstd magic, including the
// skippable frame that carries a warc-zstd dictionary).
Compression DetectCompression(std::string_view first_bytes);

// Reads raw bytes from a file descriptor it owns (or stdin, which it does not close).
class RawInput {
 public:
  static absl::StatusOr<std::unique_ptr<RawInput>> Open(const std::string& path);
  // Wraps bytes held in memory (tests, and the tail of a sniffed stdin).
  static std::unique_ptr<RawInput> FromString(std::string bytes);
  ~RawInput();
  // Reads up to n bytes into dst; returns bytes read, 0 at end of input, -1 on error (errno kept).
  long Read(uint8_t* dst, size_t n);

 private:
  RawInput() = default;
  int fd_ = -1;
  bool owned_ = false;
  std::string mem_;
  size_t mem_pos_ = 0;
};

// One problem the decoder met, with the compressed offset it happened at.
struct DecodeProblem {
  std::string kind;     // "gzip_corrupt", "gzip_truncated", "gzip_garbage", "zstd_corrupt", ...
  std::string message;  // human-readable, names the offset
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes up to `cap` bytes into dst; returns how many. 0 means the stream is over.
  virtual size_t Read(char* dst, size_t cap) = 0;

  // Compressed offset of the member (gzip member, zstd frame) holding decoded position `pos`,
  // or `pos` itself for plain files.
  uint64_t OffsetFor(uint64_t pos) const;
  // First member start strictly inside (from, to], if any, as a decoded position.
  bool MemberStartIn(uint64_t from, uint64_t to, uint64_t* at) const;
  // Forgets member starts that can no longer be asked about (all before `pos`).
  void Release(uint64_t pos);
  // Number of times decoded bytes were lost (corrupt data skipped): a record spanning one is broken.
  uint64_t discontinuities() const { return discontinuities_; }
  uint64_t decoded_total() const { return decoded_total_; }
  // Problems met since the last call.
  std::vector<DecodeProblem> TakeProblems() { return std::move(problems_); }

 protected:
  void NoteMemberStart(uint64_t compressed_offset);
  void Problem(std::string kind, std::string message);
  bool plain_ = false;
  uint64_t decoded_total_ = 0;
  uint64_t discontinuities_ = 0;

 private:
  struct MemberStart {
    uint64_t decoded_pos;
    uint64_t compressed_offset;
  };
  std::deque<MemberStart> members_;
  std::vector<DecodeProblem> problems_;
};

// Makes the decoder for `input`, sniffing the compression from its first bytes.
// in_buffer: raw read size (tests use tiny ones to exercise refills at every position).
absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(std::unique_ptr<RawInput> input,
                                                     size_t in_buffer = 1 << 20);

}  // namespace keysweep::warc
