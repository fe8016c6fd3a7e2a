// Reads one WARC file record by record and hands out the scannable payloads as chunks.
//
// The file is decoded as one byte stream (see decoder.h); records are parsed from it with bounded
// buffers: a record block is streamed through StreamChunker piece by piece, so a 1 GB record costs
// about one chunk of memory. Bad input (garbage between records, a Content-Length that lies, a bad
// header line, a record cut short, corrupt gzip/zstd) is reported to ScanStats with the file and
// offset; the reader resynchronises at the next "WARC/x.y" line and goes on.
//
// What is scanned: the blocks of response, request, resource, conversion (WET) and textual
// metadata (WAT JSON) records; not warcinfo, revisit, or the crawler's warc-fields metadata. For
// HTTP blocks the HTTP header is scanned as stored and the body after de-chunking and inflating,
// so line/column/offset in findings are positions in that text (header lines included). Each record
// gets one Provenance (kWarcRecord): the file, the offset of its gzip member / zstd frame (of the
// record itself in a plain file; of the member holding its start in whole-file gzip), WARC-Record-ID,
// WARC-Target-URI (without <>), WARC-Date and WARC-Type. Small records become one chunk directly.
//
// Counters (ScanStats::Count): "warc records" (whole records read), "warc records scanned",
// "warc records skipped", "warc records broken", "warc type <WARC-Type>" (whole records by type),
// "warc decoded bytes", "warc http bodies capped". Not thread-safe: one reader per file.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "engine/chunk.h"
#include "engine/pipeline.h"
#include "engine/scan_stats.h"
#include "engine/sources/warc/decoder.h"
#include "engine/sources/warc/http_payload.h"

namespace keysweep::warc {

struct WarcOptions {
  uint64_t max_body = 100ull << 20;  // decoded HTTP body bytes scanned per record (bomb cap)
  bool include_binary = false;       // scan image/audio/video/font/archive payloads too
  size_t chunk_size = 1 << 20;       // StreamChunker: new bytes per chunk
  size_t overlap = 8192;             // StreamChunker: bytes repeated between chunks
  size_t in_buffer = 1 << 20;        // raw read size
  int reader_threads = 0;            // files decoded side by side on own threads (0: one);
                                     // negative: decode on the caller's thread
  size_t queue_chunks = 32;          // chunks buffered between readers and the pipeline
};

class WarcFileReader : public ChunkSource {
 public:
  // `path` "-" reads stdin. Open problems are reported on the first Next().
  WarcFileReader(std::string path, const WarcOptions& options, ScanStats* stats);
  // For tests: reads the given bytes as if they were the file `path`.
  WarcFileReader(std::string path, std::string bytes, const WarcOptions& options, ScanStats* stats);
  ~WarcFileReader() override;
  bool Next(Chunk* chunk) override;

 private:
  enum class State { kOpen, kBetween, kBlock, kDone };
  bool Open(std::unique_ptr<RawInput> input);
  bool Fill(size_t n);                // ensures n bytes after pos_ unless the stream ends
  uint64_t Pos() const { return base_ + pos_; }
  void Consume(size_t n);
  bool ReadLine(std::string_view* line, size_t max);  // false at EOF or if longer than max
  bool StartRecord();                 // parses the next header; false at the end of the file
  bool Resync(const char* why);       // skips to the next "WARC/" line
  void ContinueBlock();
  void EndRecord(bool whole);
  void Deliver(std::string_view bytes);  // raw block bytes
  void Scan(std::string_view bytes);     // bytes to scan (after HTTP decoding)
  void Error(const std::string& kind, const std::string& message);
  void DrainDecoderProblems();
  // Counters are kept here and handed to ScanStats when the file is done: a record costs no lock.
  void Count(const std::string& name, uint64_t n = 1);
  void FlushCounts();

  std::string path_;
  WarcOptions options_;
  ScanStats* stats_;
  std::map<std::string, uint64_t> counts_;
  std::unique_ptr<RawInput> pending_input_;
  std::unique_ptr<Decoder> decoder_;
  State state_ = State::kOpen;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t base_ = 0;  // decoded position of buf_[0]
  bool eof_ = false;

  // The current record.
  std::shared_ptr<Provenance> prov_;
  uint64_t record_start_ = 0;     // decoded position of "WARC/"
  uint64_t block_left_ = 0;
  uint64_t block_size_ = 0;
  uint64_t discontinuities_at_start_ = 0;
  bool scanning_ = false;
  std::string skip_reason_;  // for ScanStats::AddSkip when !scanning_
  std::unique_ptr<HttpBlockDecoder> http_;
  StreamChunker chunker_;
  bool chunker_begun_ = false;
  std::string direct_;   // a small record's bytes, handed out as one chunk (see Scan)
  Chunk ready_;
  bool has_ready_ = false;
};

}  // namespace keysweep::warc
