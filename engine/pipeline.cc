#include "engine/strings.h"
#include "engine/pipeline.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>

#include "absl/strings/match.h"

namespace keysweep {
namespace {

struct Token {
  Chunk chunk;
  std::vector<Match> matches;
  std::vector<Occurrence> occurrences;
  std::vector<std::string> secrets;
  std::vector<uint32_t> rules;
};

// Markers that suppress a finding on their own line (or, for *-next-line, on the next line).
constexpr std::string_view kAllowSameLine[] = {"keysweep:allow", "gitleaks:allow", "pragma: allowlist secret"};
constexpr std::string_view kAllowNextLine = "keysweep:allow-next-line";

bool InlineAllowed(std::string_view line, std::string_view prev_line) {
  if (prev_line.find(kAllowNextLine) != std::string_view::npos) return true;
  for (auto m : kAllowSameLine) {
    size_t p = line.find(m);
    // "keysweep:allow-next-line" on the same line does not allow this line.
    if (p != std::string_view::npos && line.substr(p).substr(0, kAllowNextLine.size()) != kAllowNextLine) return true;
  }
  return false;
}

// Turns the matches of one chunk into occurrences: line, column, and the inline-allow check.
void Locate(Token* t, const Matcher& matcher, ScanStats* stats) {
  const std::string_view data = t->chunk.data;
  std::sort(t->matches.begin(), t->matches.end(),
            [](const Match& a, const Match& b) { return a.secret_start < b.secret_start; });
  size_t pos = 0;
  uint64_t line = t->chunk.line_at_start;
  size_t line_start = 0;
  bool line_start_known = false;
  for (const Match& m : t->matches) {
    if (m.end <= t->chunk.accept_begin || m.end > t->chunk.accept_end) continue;
    while (pos < m.secret_start) {
      const void* nl = std::memchr(data.data() + pos, '\n', m.secret_start - pos);
      if (nl == nullptr) { pos = m.secret_start; break; }
      pos = static_cast<const char*>(nl) - data.data() + 1;
      ++line;
      line_start = pos;
      line_start_known = true;
    }
    const uint64_t column = line_start_known ? m.secret_start - line_start + 1
                                             : t->chunk.column_at_start + m.secret_start;
    // The line and the one before it, for inline allow markers.
    size_t line_end = data.find('\n', m.secret_start);
    if (line_end == std::string_view::npos) line_end = data.size();
    std::string_view cur = data.substr(line_start, line_end - line_start);
    std::string_view prev;
    if (line_start > 0) {
      size_t ps = data.rfind('\n', line_start >= 2 ? line_start - 2 : 0);
      ps = (ps == std::string_view::npos || line_start < 2) ? 0 : ps + 1;
      prev = data.substr(ps, line_start - 1 - ps);
    }
    if (InlineAllowed(cur, prev)) {
      stats->Count("suppressed: inline allow");
      continue;
    }
    Occurrence occ;
    occ.prov = t->chunk.prov;
    occ.offset = t->chunk.offset + m.secret_start;
    occ.line = line;
    occ.column = column;
    t->occurrences.push_back(std::move(occ));
    t->secrets.emplace_back(data.substr(m.secret_start, m.secret_end - m.secret_start));
    t->rules.push_back(m.rule);
  }
  (void)matcher;
}

}  // namespace

void RunPipeline(ChunkSource& src, const Matcher& matcher, FindingSet* findings, ScanStats* stats,
                 const PipelineOptions& options) {
  const int threads = options.threads > 0 ? options.threads
                                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  const size_t tokens = options.tokens > 0 ? options.tokens : static_cast<size_t>(4 * threads);

  // Tokens are recycled so chunk buffers keep their capacity; at most `tokens` exist at once.
  std::mutex pool_mu;
  std::vector<std::unique_ptr<Token>> pool;
  tbb::enumerable_thread_specific<Matcher::ScratchPtr> scratches(
      [&] { return matcher.NewScratch(); });
  const auto& rules = matcher.rules();

  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Token*>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> Token* {
            std::unique_ptr<Token> t;
            {
              std::lock_guard<std::mutex> lock(pool_mu);
              if (!pool.empty()) { t = std::move(pool.back()); pool.pop_back(); }
            }
            if (!t) t = std::make_unique<Token>();
            t->chunk.data.clear();
            t->chunk.accept_begin = 0;
            t->chunk.accept_end = 0;
            t->chunk.line_at_start = 1;
            t->chunk.column_at_start = 1;
            t->chunk.offset = 0;
            t->chunk.last = true;
            if (!src.Next(&t->chunk)) {
              fc.stop();
              return nullptr;
            }
            if (t->chunk.accept_end == 0 || t->chunk.accept_end > t->chunk.data.size())
              t->chunk.accept_end = t->chunk.data.size();
            return t.release();
          }) &
          tbb::make_filter<Token*, Token*>(
              tbb::filter_mode::parallel,
              [&](Token* t) -> Token* {
                t->matches.clear();
                t->occurrences.clear();
                t->secrets.clear();
                t->rules.clear();
                matcher.Scan(t->chunk.data, *scratches.local(), &t->matches);
                if (!t->matches.empty()) Locate(t, matcher, stats);
                return t;
              }) &
          tbb::make_filter<Token*, void>(
              tbb::filter_mode::serial_in_order,
              [&](Token* raw) {
                std::unique_ptr<Token> t(raw);
                for (size_t i = 0; i < t->occurrences.size(); ++i) {
                  findings->Add(t->rules[i], rules[t->rules[i]].id, t->secrets[i], std::move(t->occurrences[i]));
                }
                t->chunk.prov.reset();
                std::lock_guard<std::mutex> lock(pool_mu);
                pool.push_back(std::move(t));
              }));
}

StreamChunker::StreamChunker(size_t chunk_size, size_t overlap) : chunk_size_(chunk_size), overlap_(overlap) {}

void StreamChunker::Begin(ProvenancePtr prov) {
  prov_ = std::move(prov);
  buf_.clear();
  prefix_ = 0;
  buf_offset_ = 0;
  line_ = 1;
  column_ = 1;
  total_ = 0;
  finished_ = false;
  pending_last_ = false;
}

void StreamChunker::Feed(std::string_view bytes) {
  buf_.append(bytes);
  total_ += bytes.size();
}

void StreamChunker::Finish() {
  finished_ = true;
  pending_last_ = buf_.size() > prefix_;
}

bool StreamChunker::Pop(Chunk* out) {
  if (buf_.size() >= prefix_ + chunk_size_ + overlap_) {
    Emit(out, prefix_ + chunk_size_ + overlap_, false);
    return true;
  }
  if (finished_ && pending_last_) {
    pending_last_ = false;
    Emit(out, buf_.size(), true);
    return true;
  }
  return false;
}

void StreamChunker::Emit(Chunk* out, size_t take, bool last) {
  out->data.assign(buf_, 0, take);
  out->prov = prov_;
  out->offset = buf_offset_;
  out->line_at_start = line_;
  out->column_at_start = column_;
  out->accept_begin = prefix_;
  out->accept_end = last ? take : take - overlap_;
  out->last = last;
  if (last) {
    buf_.clear();
    prefix_ = 0;
    return;
  }
  // The next chunk starts `overlap_` bytes before this one's accept end.
  const size_t advance = out->accept_end - overlap_;
  const char* p = buf_.data();
  const char* const end = p + advance;
  // Count newlines with a vectorizable loop: a memchr per line costs a call per (short) line.
  line_ += static_cast<uint64_t>(std::count(p, end, '\n'));
  const char* last_nl = static_cast<const char*>(memrchr(p, '\n', advance));
  column_ = last_nl ? static_cast<uint64_t>(end - last_nl) : column_ + advance;
  buf_.erase(0, advance);
  buf_offset_ += advance;
  prefix_ = overlap_;
}

}  // namespace keysweep
