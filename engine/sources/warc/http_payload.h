// Undoes the HTTP framing of a WARC response/request block as it streams by: the HTTP header is
// passed on as is (requests carry Authorization headers), the body is de-chunked when
// `Transfer-Encoding: chunked` and inflated when `Content-Encoding: gzip|deflate` (Common Crawl stores
// bodies decoded and renames those headers to X-Crawler-*, so there this is a pass-through).
// The decoded body is capped against decompression bombs. Not thread-safe: one per record.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace keysweep::warc {

// True for media types whose bodies hold no text worth scanning (images, audio, video, fonts,
// archives). Takes a lower-cased Content-Type value.
bool IsBinaryContentType(std::string_view content_type);

class HttpBlockDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  // max_body: decoded body bytes passed on at most; the rest is dropped and capped() turns true.
  // skip_binary: drop bodies of binary media types (the header is still passed on).
  HttpBlockDecoder(uint64_t max_body, bool skip_binary, Sink sink);
  ~HttpBlockDecoder();
  void Feed(std::string_view in);
  // End of the block: flushes a header that never ended and reports a body cut short.
  void Finish();

  bool capped() const { return capped_; }
  bool skipped_binary() const { return skipped_binary_; }
  // The body is in a content encoding this decoder does not undo (br, compress): not scanned.
  bool opaque() const { return opaque_; }
  bool chunked() const { return chunked_; }
  const std::string& content_encoding() const { return encoding_; }
  const std::string& content_type() const { return content_type_; }
  // Empty, or what went wrong ("broken chunked body at block offset N", ...), first problem only.
  const std::string& problem() const { return problem_; }
  std::string problem_kind() const { return problem_kind_; }
  // True once the header is parsed (content_type() etc. are known).
  bool header_done() const { return phase_ != Phase::kHeader; }

 private:
  enum class Phase { kHeader, kBody, kRaw };
  enum class ChunkState { kSize, kData, kDataEnd, kTrailer, kDone };
  void ParseHeader(std::string_view head);
  void Body(std::string_view in);     // after the header: de-chunk if needed
  void Content(std::string_view in);  // after de-chunking: inflate if needed
  void Emit(std::string_view out);
  void Fail(const char* kind, std::string message);

  uint64_t max_body_;
  bool skip_binary_;
  bool skipped_binary_ = false;
  Sink sink_;
  Phase phase_ = Phase::kHeader;
  std::string head_;
  uint64_t fed_ = 0;  // block bytes seen, for messages
  bool chunked_ = false;
  std::string encoding_;
  std::string content_type_;
  ChunkState cstate_ = ChunkState::kSize;
  uint64_t chunk_left_ = 0;
  std::string line_;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
  bool inflate_failed_ = false;
  uint64_t body_out_ = 0;
  bool capped_ = false;
  bool opaque_ = false;
  std::string problem_, problem_kind_;
};

}  // namespace keysweep::warc
