// The WARC source: many WARC/WET/WAT files (plain, .gz, .zst) as one ChunkSource.
//
// Each file is decoded sequentially by one WarcFileReader (gzip members must be found in order);
// with reader_threads > 0, that many files are decoded side by side on their own threads and their
// chunks meet in a bounded queue that the pipeline's serial input stage drains. Chunks of different
// files interleave; chunks of one record stay in order. Memory is bounded by
// queue_chunks x chunk_size plus one read buffer per reader, whatever the file or record size.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/chunk.h"
#include "engine/scan_stats.h"
#include "engine/sources/warc/warc_reader.h"

namespace keysweep::warc {

// True if the first bytes of a file (a few KiB are plenty) are a WARC record, plain, gzip'd or
// zstd'd (including the warc-zstd dictionary frame). `keysweep scan` uses it to route files here.
bool LooksLikeWarc(std::string_view first_bytes);

// Reads a manifest: one path per line ('#' comments and blank lines ignored), "-" for stdin,
// gzip'd or zstd'd lists accepted (Common Crawl publishes warc.paths.gz). Relative entries get
// `prefix` prepended when it is not empty.
absl::StatusOr<std::vector<std::string>> ReadManifest(const std::string& path,
                                                      const std::string& prefix = "");

// Makes the source over `paths` ("-" is stdin). stats must outlive it.
std::unique_ptr<ChunkSource> MakeWarcSource(std::vector<std::string> paths,
                                            const WarcOptions& options, ScanStats* stats);

}  // namespace keysweep::warc
