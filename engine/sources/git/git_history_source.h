// GitHistorySource: every distinct blob of a repository's history (then every commit message and
// every annotated tag's message) as chunks, each blob once, with its provenance: the blob id and
// every (commit, path, author, date) that introduced it. Built on HistoryIndex (the one-pass
// introduction walk, trees compared on several threads); blob content is read afterwards in
// reverse pack order (see PackOrder) with PackReader, which keeps its delta-base cache warm; loose
// objects go through libgit2.
//
// Reading: with reader_threads > 0, a BlobPrefetcher inflates blobs on its own threads into a
// bounded window and Next() hands them out in order. With 0 (the default), Next() reads: measured
// on a 20,000-commit history, reading in the pipeline's input stage is fastest (one reader keeps
// the cache locality of pack order; matching runs on the other cores meanwhile).
//
// Tag messages: every tag object that refs/tags/* leads to (tags of tags included; with
// all_objects, deleted tags too), each once. A range scan reads only the tags whose target (peeled
// through tags of tags) is a commit of the range: a tag on an older commit, or on a tree or blob,
// is not part of what the range introduced.
//
// Thread-safety: Next() from one thread at a time (the pipeline's serial input stage).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/chunk.h"
#include "engine/pipeline.h"
#include "engine/scan_stats.h"
#include "engine/sources/git/annotated_tags.h"
#include "engine/sources/git/blob_prefetcher.h"
#include "engine/sources/git/git_handles.h"
#include "engine/sources/git/history_index.h"
#include "engine/sources/git/pack_reader.h"

namespace keysweep::git {

struct GitSourceOptions {
  std::string repo_path = ".";
  HistoryOptions history;
  uint64_t max_file_size = 100ull << 20;  // larger blobs are skipped and counted
  bool include_binary = false;            // otherwise blobs with a NUL in the first 8000 bytes are skipped
  bool scan_messages = true;              // commit and annotated tag messages
  bool quiet = false;                     // no note on stderr for an empty repository
  size_t chunk_size = 1 << 20;            // blobs larger than this are cut into overlapping chunks
  int reader_threads = 0;                 // blob reading threads besides the pipeline's (see above)
  size_t prefetch_window = 64;            // blobs read ahead at most
};

class GitHistorySource : public ChunkSource {
 public:
  // Opens the repository and walks its history. Fails when the path is not a repository or the range
  // is bad; an empty repository is not an error (there is simply nothing to scan).
  static absl::StatusOr<std::unique_ptr<GitHistorySource>> Create(const GitSourceOptions& options,
                                                                  ScanStats* stats);
  ~GitHistorySource() override;

  bool Next(Chunk* chunk) override;
  const HistoryIndex& index() const { return index_; }

 private:
  GitHistorySource(GitSourceOptions options, ScanStats* stats, RepoPtr repo, HistoryIndex index);
  // Starts the k-th blob in read order; false when it yields no chunk (skipped or unreadable).
  bool StartBlob(size_t k, Chunk* chunk);
  bool NextLargeChunk(Chunk* chunk);
  bool NextMessage(Chunk* chunk);
  bool NextTagMessage(Chunk* chunk);
  ProvenancePtr BlobProvenance(size_t i) const;
  std::string Describe(size_t i) const;

  LibGit2Guard libgit2_;
  GitSourceOptions options_;
  ScanStats* stats_;
  RepoPtr repo_;
  OdbPtr odb_;
  HistoryIndex index_;
  std::vector<uint32_t> order_;  // blob indices in read order (pack order where known)
  std::unique_ptr<BlobPrefetcher> prefetcher_;
  std::unique_ptr<PackReader> message_reader_;  // commit messages, read after the blobs
  size_t next_blob_ = 0;
  size_t next_commit_ = 0;
  std::vector<TagRef> tags_;  // annotated tags whose messages are read last
  size_t next_tag_ = 0;
  bool chunking_ = false;  // a large blob is being cut into chunks
  StreamChunker chunker_;
  std::string large_;      // that blob
  size_t large_fed_ = 0;   // bytes of it given to the chunker
};

// True when the first 8000 bytes hold a NUL byte (git's own binary heuristic).
bool LooksBinary(std::string_view data);

}  // namespace keysweep::git
