// The scan pipeline: a oneTBB parallel_pipeline with a serial reader (the ChunkSource), a parallel
// match stage (one Hyperscan scratch per thread) and a serial, in-order collector that fills the
// FindingSet. Tokens in flight are bounded, so memory is bounded by tokens x chunk size.
#pragma once
#include <cstddef>

#include "engine/chunk.h"
#include "engine/findings.h"
#include "engine/matcher.h"
#include "engine/scan_stats.h"

namespace keysweep {

struct PipelineOptions {
  int threads = 0;        // 0: all cores
  size_t tokens = 0;      // chunks in flight; 0: 4 x threads
};

// Runs src to exhaustion. Adds findings to *findings and counts bytes into *stats.
void RunPipeline(ChunkSource& src, const Matcher& matcher, FindingSet* findings, ScanStats* stats,
                 const PipelineOptions& options = {});

// Splits one object's byte stream into overlapping chunks (see Chunk) so that memory per object
// stays bounded. Feed it bytes in order; it hands out complete chunks.
// Not thread-safe: one per reader.
class StreamChunker {
 public:
  // chunk_size: bytes of new data per chunk; overlap: bytes repeated from the previous chunk
  // and looked ahead past each cut (at least the matcher's confirm window, 8 KiB).
  explicit StreamChunker(size_t chunk_size = 1 << 20, size_t overlap = 8192);
  // Starts a new object; resets offsets and line counting.
  void Begin(ProvenancePtr prov);
  // Appends bytes of the current object.
  void Feed(std::string_view bytes);
  // Ends the current object (its remaining bytes become the last chunk).
  void Finish();
  // Takes the next ready chunk, if any. Usage:
  //   Begin(p); for each read { Feed(b); while (Pop(&c)) emit(c); } Finish(); while (Pop(&c)) emit(c);
  bool Pop(Chunk* out);
  uint64_t object_bytes() const { return total_; }

 private:
  void Emit(Chunk* out, size_t take, bool last);
  size_t chunk_size_, overlap_;
  ProvenancePtr prov_;
  std::string buf_;          // overlap prefix + pending bytes
  size_t prefix_ = 0;        // bytes at the front of buf_ repeated from the previous chunk
  uint64_t buf_offset_ = 0;  // object offset of buf_[0]
  uint64_t line_ = 1, column_ = 1;  // position of buf_[0]
  uint64_t total_ = 0;
  bool finished_ = false;
  bool pending_last_ = false;
};

}  // namespace keysweep
