#include "engine/sources/warc/warc_source.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/sources/warc/text_util.h"
#include "engine/sources/warc/decoder.h"

namespace keysweep::warc {
namespace {

bool StartsWithWarcVersion(std::string_view s) {
  return s.size() >= 6 && StartsWith(s, "WARC/") && IsDigit(s[5]);
}

// Reads the files one after another on the caller's thread.
class SequentialWarcSource : public ChunkSource {
 public:
  SequentialWarcSource(std::vector<std::string> paths, const WarcOptions& options, ScanStats* stats)
      : paths_(std::move(paths)), options_(options), stats_(stats) {}
  bool Next(Chunk* chunk) override {
    for (;;) {
      if (reader_ && reader_->Next(chunk)) return true;
      if (next_ >= paths_.size()) return false;
      reader_ = std::make_unique<WarcFileReader>(paths_[next_++], options_, stats_);
    }
  }

 private:
  std::vector<std::string> paths_;
  WarcOptions options_;
  ScanStats* stats_;
  size_t next_ = 0;
  std::unique_ptr<WarcFileReader> reader_;
};

// Decodes files on reader threads into a bounded queue. Next() is called from one thread at a
// time; the reader threads only touch the queue under mu_.
class ParallelWarcSource : public ChunkSource {
 public:
  ParallelWarcSource(std::vector<std::string> paths, const WarcOptions& options, ScanStats* stats,
                     int threads)
      : paths_(std::move(paths)), options_(options), stats_(stats), running_(threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ParallelWarcSource() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    not_full_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  bool Next(Chunk* chunk) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.empty() && running_ > 0) {
      ++consumers_waiting_;
      not_empty_.wait(lock, [this] { return !queue_.empty() || running_ == 0; });
      --consumers_waiting_;
    }
    if (queue_.empty()) return false;
    *chunk = std::move(queue_.front());
    queue_.pop_front();
    // Wake a reader only if one waits, and only once the queue is half empty: a futex call per
    // chunk (ping-pong at the full mark) costs more than scanning a small record.
    bool wake = producers_waiting_ > 0 && queue_.size() <= options_.queue_chunks / 2;
    lock.unlock();
    if (wake) not_full_.notify_one();
    return true;
  }

 private:
  void Work() {
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= paths_.size()) break;
      WarcFileReader reader(paths_[i], options_, stats_);
      Chunk c;
      while (reader.Next(&c)) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!stop_ && queue_.size() >= options_.queue_chunks) {
          ++producers_waiting_;
          not_full_.wait(lock, [this] { return stop_ || queue_.size() <= options_.queue_chunks / 2; });
          --producers_waiting_;
        }
        if (stop_) {
          lock.unlock();
          return Exit();
        }
        queue_.push_back(std::move(c));
        c = Chunk();
        bool wake = consumers_waiting_ > 0;
        lock.unlock();
        if (wake) not_empty_.notify_one();
      }
    }
    Exit();
  }
  void Exit() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    not_empty_.notify_all();
  }

  std::vector<std::string> paths_;
  WarcOptions options_;
  ScanStats* stats_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Chunk> queue_;
  int running_;
  int consumers_waiting_ = 0, producers_waiting_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

bool LooksLikeWarc(std::string_view b) {
  if (StartsWithWarcVersion(b)) return true;
  switch (DetectCompression(b)) {
    case Compression::kNone:
      return false;
    case Compression::kGzip: {
      char out[16];
      z_stream z{};
      if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data()));
      z.avail_in = static_cast<uInt>(b.size());
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = sizeof(out);
      inflate(&z, Z_SYNC_FLUSH);
      size_t got = sizeof(out) - z.avail_out;
      inflateEnd(&z);
      return StartsWithWarcVersion(std::string_view(out, got));
    }
    case Compression::kZstd: {
      uint32_t magic;
      std::memcpy(&magic, b.data(), 4);
      // A warc-zstd dictionary frame is WARC-specific; otherwise peek into the first frame.
      if (magic == 0x184D2A5D) return true;
      std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> d(ZSTD_createDCtx(), &ZSTD_freeDCtx);
      std::string out(1 << 17, '\0');
      ZSTD_inBuffer ib{b.data(), b.size(), 0};
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      while (ob.pos < 6 && ib.pos < ib.size) {
        size_t before = ib.pos;
        size_t r = ZSTD_decompressStream(d.get(), &ob, &ib);
        if (ZSTD_isError(r) || (ib.pos == before && ob.pos < 6)) break;
      }
      return StartsWithWarcVersion(std::string_view(out.data(), ob.pos));
    }
  }
  return false;
}

absl::StatusOr<std::vector<std::string>> ReadManifest(const std::string& path,
                                                      const std::string& prefix) {
  auto input = RawInput::Open(path);
  if (!input.ok()) return input.status();
  auto decoder = MakeDecoder(*std::move(input));
  if (!decoder.ok()) return decoder.status();
  std::string text;
  char buf[1 << 16];
  for (size_t n; (n = (*decoder)->Read(buf, sizeof(buf))) > 0;) {
    text.append(buf, n);
    if (text.size() > (1ull << 30)) return absl::ResourceExhaustedError(path + ": manifest over 1 GB");
  }
  std::vector<DecodeProblem> problems = (*decoder)->TakeProblems();
  if (!problems.empty()) return absl::DataLossError(absl::StrCat(path, ": ", problems[0].message));
  std::vector<std::string> paths;
  std::string base = prefix;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ForEachLine(text, [&](std::string_view line) {
    line = Strip(line);
    if (line.empty() || line[0] == '#') return;
    if (!prefix.empty() && line[0] != '/' && line != "-")
      paths.push_back(base + "/" + std::string(line));
    else
      paths.emplace_back(line);
  });
  return paths;
}

std::unique_ptr<ChunkSource> MakeWarcSource(std::vector<std::string> paths,
                                            const WarcOptions& options, ScanStats* stats) {
  int threads = options.reader_threads;
  if (threads <= 0) threads = 1;
  threads = std::min<int>(threads, static_cast<int>(std::max<size_t>(paths.size(), 1)));
  if (options.reader_threads < 0)
    return std::make_unique<SequentialWarcSource>(std::move(paths), options, stats);
  return std::make_unique<ParallelWarcSource>(std::move(paths), options, stats, threads);
}

}  // namespace keysweep::warc
