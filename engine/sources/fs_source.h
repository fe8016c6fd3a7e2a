// Files, folders and stdin as chunks. Walks folders lazily (a stack of pending folders), skips .git/,
// symlinks, files over the size cap and binary files (NUL in the first 8 KiB) unless asked, and
// reports unreadable entries to ScanStats without stopping. Large files and stdin are streamed in
// overlapping chunks, so memory does not depend on file size.
// Not thread-safe: Next() is called by the pipeline's serial input stage.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/chunk.h"
#include "engine/pipeline.h"
#include "engine/scan_stats.h"

namespace keysweep {

struct FsSourceOptions {
  uint64_t max_file_size = 100ull << 20;
  bool include_binary = false;
  size_t chunk_size = 1 << 20;
  // Optional hand-off for files that another source should read (e.g. WARC archives found by
  // content): given the path and its first bytes, returns a source for it, or null to scan the file
  // as plain bytes.
  std::function<std::unique_ptr<ChunkSource>(const std::string& path, std::string_view head)> delegate;
};

class FsSource : public ChunkSource {
 public:
  // "-" means stdin.
  FsSource(std::vector<std::string> paths, FsSourceOptions options, ScanStats* stats);
  ~FsSource() override;
  bool Next(Chunk* chunk) override;

 private:
  bool NextPath(std::string* path);
  bool OpenFile(const std::string& path, Chunk* chunk);  // true if it produced a chunk
  bool ContinueStream(Chunk* chunk);

  std::vector<std::string> roots_;
  size_t next_root_ = 0;
  std::vector<std::string> pending_dirs_;
  std::vector<std::string> pending_files_;
  FsSourceOptions options_;
  ScanStats* stats_;
  // The file being streamed in several chunks (fd >= 0), if any.
  int fd_ = -1;
  bool streaming_ = false;
  std::string stream_path_;
  StreamChunker chunker_;
  std::string read_buf_;
  std::unique_ptr<ChunkSource> delegated_;
};

// Binary heuristic: a NUL byte in the first 8 KiB.
bool LooksBinary(std::string_view head);

}  // namespace keysweep
