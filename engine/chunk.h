// A chunk is bytes plus provenance: the unit that flows from a source to the matcher.
#pragma once
#include <cstdint>
#include <string>

#include "engine/provenance.h"

namespace keysweep {

// Large objects are cut into several chunks that overlap, so a secret that straddles a cut is still
// found whole. The source sets accept_begin/accept_end so that the accepted match-end ranges of
// consecutive chunks tile the object exactly once: a match is kept iff
// accept_begin < match_end <= accept_end (both relative to data).
struct Chunk {
  std::string data;
  ProvenancePtr prov;
  uint64_t offset = 0;          // offset of data[0] within its object
  uint64_t line_at_start = 1;   // 1-based line number of data[0] within its object
  uint64_t column_at_start = 1; // 1-based column of data[0] (only meaningful when data has no newline
                                // before a match)
  size_t accept_begin = 0;
  size_t accept_end = 0;        // set to data.size() for a whole object
  bool last = true;             // the last chunk of its object
};

// Makes *chunk hold one whole object (no overlap, every match accepted).
inline void SetWholeObject(Chunk* chunk, std::string data, ProvenancePtr prov) {
  chunk->data = std::move(data);
  chunk->prov = std::move(prov);
  chunk->offset = 0;
  chunk->line_at_start = 1;
  chunk->column_at_start = 1;
  chunk->accept_begin = 0;
  chunk->accept_end = chunk->data.size();
  chunk->last = true;
}

// Produces chunks. Next() is called from one thread at a time (the pipeline's serial input stage).
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Fills *chunk with the next chunk; returns false when the source is exhausted.
  virtual bool Next(Chunk* chunk) = 0;
};

}  // namespace keysweep
