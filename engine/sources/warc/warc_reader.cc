#include "engine/sources/warc/warc_reader.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/sources/warc/text_util.h"

namespace keysweep::warc {
namespace {

constexpr size_t kReadSize = 256 << 10;
constexpr size_t kMaxHeaderLine = 64 << 10;
constexpr size_t kMaxHeader = 1 << 20;
constexpr size_t kEncodedStep = 16 << 10;  // bounds what one step of an inflated HTTP body can grow to

bool IsVersionLine(std::string_view line) {
  return StartsWith(line, "WARC/") && line.size() > 5 && IsDigit(line[5]);
}

// Whether s starts with a whole "WARC/<digits>.<digits>" line: 1 yes, 0 no, -1 too short to tell.
// Resync accepts one anywhere (garbage often runs straight into the next record), so it is strict.
int VersionLineAt(std::string_view s) {
  size_t i = 5, n = s.size();
  int dots = 0;
  for (; i < n && i < 16; ++i) {
    char c = s[i];
    if (IsDigit(c)) continue;
    if (c == '.' && IsDigit(s[i - 1]) && dots++ == 0) continue;
    if (c == '\r' || c == '\n') return dots == 1 && IsDigit(s[i - 1]) ? 1 : 0;
    return 0;
  }
  return i < 16 ? -1 : 0;
}

bool TextualMetadata(std::string_view ctype) {
  return ctype.empty() || StartsWith(ctype, "text/") ||
         StartsWith(ctype, "application/json") ||
         StartsWith(ctype, "application/warc-fields") ||
         Contains(ctype, "xml") || Contains(ctype, "javascript");
}

std::string Printable(std::string_view s) { return std::string(s.substr(0, std::min<size_t>(s.size(), 60))); }

}  // namespace

WarcFileReader::WarcFileReader(std::string path, const WarcOptions& options, ScanStats* stats)
    : path_(std::move(path)), options_(options), stats_(stats),
      chunker_(options.chunk_size, options.overlap) {}

WarcFileReader::WarcFileReader(std::string path, std::string bytes, const WarcOptions& options,
                               ScanStats* stats)
    : WarcFileReader(std::move(path), options, stats) {
  pending_input_ = RawInput::FromString(std::move(bytes));
}

WarcFileReader::~WarcFileReader() { FlushCounts(); }

void WarcFileReader::Count(const std::string& name, uint64_t n) { counts_[name] += n; }

void WarcFileReader::FlushCounts() {
  for (const auto& [name, n] : counts_) stats_->Count(name, n);
  counts_.clear();
}

bool WarcFileReader::Next(Chunk* chunk) {
  for (;;) {
    if (has_ready_) {
      *chunk = std::move(ready_);
      ready_ = Chunk();
      has_ready_ = false;
      return true;
    }
    if (chunker_.Pop(chunk)) return true;
    switch (state_) {
      case State::kOpen: {
        std::unique_ptr<RawInput> input = std::move(pending_input_);
        if (!input) {
          auto opened = RawInput::Open(path_);
          if (!opened.ok()) {
            Error("warc_open", std::string(opened.status().message()));
            state_ = State::kDone;
            break;
          }
          input = *std::move(opened);
        }
        state_ = Open(std::move(input)) ? State::kBetween : State::kDone;
        break;
      }
      case State::kBetween:
        if (!StartRecord()) state_ = State::kDone;
        break;
      case State::kBlock:
        ContinueBlock();
        break;
      case State::kDone:
        if (decoder_) {
          DrainDecoderProblems();
          Count("warc files");
          Count("warc decoded bytes", decoder_->decoded_total());
          FlushCounts();
          decoder_.reset();
          buf_.clear();
          buf_.shrink_to_fit();
        }
        return false;
    }
  }
}

bool WarcFileReader::Open(std::unique_ptr<RawInput> input) {
  auto decoder = MakeDecoder(std::move(input), options_.in_buffer);
  if (!decoder.ok()) {
    Error("warc_open", absl::StrCat(path_, ": ", decoder.status().message()));
    return false;
  }
  decoder_ = *std::move(decoder);
  return true;
}

void WarcFileReader::Error(const std::string& kind, const std::string& message) {
  stats_->AddError(kind, message);
}

void WarcFileReader::DrainDecoderProblems() {
  for (DecodeProblem& p : decoder_->TakeProblems())
    Error("warc_" + p.kind, absl::StrCat(path_, ": ", p.message));
}

bool WarcFileReader::Fill(size_t n) {
  while (buf_.size() - pos_ < n) {
    if (eof_) return false;
    if (pos_ > 0 && (pos_ >= (1 << 20) || pos_ * 2 >= buf_.size())) {
      buf_.erase(0, pos_);
      base_ += pos_;
      pos_ = 0;
    }
    size_t want = std::max(kReadSize, n - (buf_.size() - pos_));
    size_t old = buf_.size();
    // Grow without zero-filling every byte twice: the decoder writes straight into the string.
    buf_.resize(old + want);
    size_t got = decoder_->Read(buf_.data() + old, want);
    buf_.resize(old + got);
    if (got == 0) eof_ = true;
    DrainDecoderProblems();
  }
  return true;
}

void WarcFileReader::Consume(size_t n) { pos_ += n; }

bool WarcFileReader::ReadLine(std::string_view* line, size_t max) {
  size_t scanned = 0;
  for (;;) {
    const char* start = buf_.data() + pos_;
    size_t avail = buf_.size() - pos_;
    const void* nl = std::memchr(start + scanned, '\n', avail - scanned);
    if (nl != nullptr) {
      size_t len = static_cast<const char*>(nl) - start + 1;
      *line = std::string_view(start, len);
      Consume(len);
      return true;
    }
    scanned = avail;
    if (avail >= max || !Fill(avail + 1)) return false;
  }
}

bool WarcFileReader::Resync(const char* why) {
  uint64_t from = Pos();
  // Start at pos_ itself: after a bad header the next record may begin right there. A spot that
  // just failed as a record start fails the strict version-line test, so this always advances.
  size_t i = 0;
  for (;;) {
    size_t avail = buf_.size() - pos_;
    const char* start = buf_.data() + pos_;
    size_t at = std::string_view::npos;
    size_t keep = avail > 16 ? avail - 16 : 0;
    while (i + 5 <= avail) {
      const void* w = memmem(start + i, avail - i, "WARC/", 5);
      if (w == nullptr) break;
      size_t p = static_cast<const char*>(w) - start;
      int m = VersionLineAt(std::string_view(start + p, avail - p));
      if (m > 0) {
        at = p;
        break;
      }
      if (m < 0) {  // need more bytes to tell
        keep = std::min(keep, p);
        break;
      }
      i = p + 1;
    }
    if (at != std::string_view::npos) {
      Consume(at);
      break;
    }
    Consume(keep);
    i = 0;
    if (!Fill(buf_.size() - pos_ + 1)) {
      // The end: one last look at what is left.
      size_t left = buf_.size() - pos_;
      const char* st = buf_.data() + pos_;
      size_t found_at = left;
      for (size_t k = i; k + 5 <= left; ++k)
        if (std::memcmp(st + k, "WARC/", 5) == 0 && VersionLineAt(std::string_view(st + k, left - k)) > 0) {
          found_at = k;
          break;
        }
      Consume(found_at);
      break;
    }
  }
  bool found = !(eof_ && pos_ == buf_.size());
  Error("warc_resync",
        absl::StrCat(path_, ": ", why, " at offset ", decoder_->OffsetFor(from),
                     decoder_->OffsetFor(from) != from ? absl::StrCat(" (decoded byte ", from, ")") : "",
                     "; skipped ", Pos() - from, " bytes",
                     found ? absl::StrCat(" to the next record at decoded byte ", Pos()) : " to the end"));
  return found;
}

bool WarcFileReader::StartRecord() {
  for (;;) {
    // Records end with CRLF CRLF; tolerate any run of line breaks between them.
    for (;;) {
      if (!Fill(1)) return false;
      char c = buf_[pos_];
      if (c != '\r' && c != '\n') break;
      Consume(1);
    }
    record_start_ = Pos();
    if (!Fill(6) || !IsVersionLine(std::string_view(buf_).substr(pos_, 6))) {
      if (!Resync("no WARC record where one should start (a wrong Content-Length before it?)")) return false;
      continue;
    }
    std::string type, id, uri, date, ctype;
    uint64_t length = 0;
    bool have_length = false, bad = false;
    size_t header_bytes = 0;
    std::string_view line;
    for (bool first = true;; first = false) {
      if (!ReadLine(&line, kMaxHeaderLine)) {
        if (eof_) {
          Error("warc_truncated", absl::StrCat(path_, ": record at offset ",
                                               decoder_->OffsetFor(record_start_),
                                               " is cut short in its header"));
          Count("warc records broken");
          return false;
        }
        bad = true;
        break;
      }
      header_bytes += line.size();
      line = StripRight(line);
      if (first) continue;  // the version line
      if (line.empty()) break;
      if (header_bytes > kMaxHeader) {
        bad = true;
        break;
      }
      if (line[0] == ' ' || line[0] == '\t') continue;  // folded continuation
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        Error("warc_bad_header", absl::StrCat(path_, ": bad header line \"", Printable(line),
                                              "\" in record at offset ",
                                              decoder_->OffsetFor(record_start_)));
        bad = true;
        break;
      }
      std::string_view name = StripRight(line.substr(0, colon));
      std::string_view value = Strip(line.substr(colon + 1));
      if (EqualsIgnoreCase(name, "Content-Length")) {
        have_length = ParseDecimal(value, &length);
      } else if (EqualsIgnoreCase(name, "WARC-Type")) {
        type = ToLower(value);
      } else if (EqualsIgnoreCase(name, "WARC-Record-ID")) {
        id = std::string(value);
      } else if (EqualsIgnoreCase(name, "WARC-Target-URI")) {
        // WARC/1.1 writes it bare; 1.0 writers (wget) sometimes wrap it in <>.
        if (value.size() >= 2 && value.front() == '<' && value.back() == '>')
          value = value.substr(1, value.size() - 2);
        uri = std::string(value);
      } else if (EqualsIgnoreCase(name, "WARC-Date")) {
        date = std::string(value);
      } else if (EqualsIgnoreCase(name, "Content-Type")) {
        ctype = ToLower(value);
      }
    }
    if (!bad && !have_length) {
      Error("warc_bad_header", absl::StrCat(path_, ": record at offset ",
                                            decoder_->OffsetFor(record_start_),
                                            " has no valid Content-Length"));
      bad = true;
    }
    if (bad) {
      Count("warc records broken");
      if (!Resync("skipping a record with a bad header")) return false;
      continue;
    }

    auto prov = std::make_shared<Provenance>();
    prov->kind = Provenance::Kind::kWarcRecord;
    prov->path = path_;
    prov->record_offset = decoder_->OffsetFor(record_start_);
    prov->record_id = std::move(id);
    prov->target_uri = std::move(uri);
    prov->warc_date = std::move(date);
    prov->record_type = type.empty() ? "unknown" : type;
    prov_ = std::move(prov);

    bool http = StartsWith(ctype, "application/http");
    skip_reason_ = "warc " + prov_->record_type + " record";
    if (type == "response" || type == "request") {
      scanning_ = http || options_.include_binary || !IsBinaryContentType(ctype);
      if (!scanning_) skip_reason_ = "warc binary " + type + " record";
    } else if (type == "resource" || type == "conversion") {
      scanning_ = options_.include_binary || !IsBinaryContentType(ctype);
      if (!scanning_) skip_reason_ = "warc binary " + type + " record";
    } else if (type == "metadata") {
      // WAT JSON and other text; not the crawler's own warc-fields bookkeeping (fetch times,
      // detected charsets), which is a third of Common Crawl's records and never holds a secret.
      scanning_ = TextualMetadata(ctype) && !StartsWith(ctype, "application/warc-fields");
    } else {
      scanning_ = false;  // warcinfo, revisit, continuation: crawler bookkeeping, no payload
    }
    if (scanning_ && http) {
      http_ = std::make_unique<HttpBlockDecoder>(
          options_.max_body, !options_.include_binary,
          [this](std::string_view b) { Scan(b); });
    }
    block_left_ = block_size_ = length;
    discontinuities_at_start_ = decoder_->discontinuities();
    state_ = State::kBlock;
    return true;
  }
}

void WarcFileReader::Deliver(std::string_view bytes) {
  if (!scanning_ || bytes.empty()) return;
  if (http_) return http_->Feed(bytes);
  Scan(bytes);
}

void WarcFileReader::Scan(std::string_view bytes) {
  // Most records are small: they become one chunk directly, one copy instead of the chunker's
  // three (append, copy out, erase). Past chunk_size the record moves over to the chunker.
  if (!chunker_begun_) {
    if (direct_.size() + bytes.size() <= options_.chunk_size) {
      if (direct_.empty()) direct_.reserve(std::min<uint64_t>(block_size_, options_.chunk_size));
      direct_.append(bytes);
      return;
    }
    chunker_.Begin(prov_);
    chunker_begun_ = true;
    chunker_.Feed(direct_);
    direct_.clear();
  }
  chunker_.Feed(bytes);
}

void WarcFileReader::ContinueBlock() {
  if (block_left_ == 0) return EndRecord(decoder_->discontinuities() == discontinuities_at_start_);
  if (!Fill(1)) {
    Error("warc_truncated", absl::StrCat(path_, ": record at offset ", prov_->record_offset,
                                         " is cut short: ", block_size_ - block_left_, " of ",
                                         block_size_, " block bytes"));
    EndRecord(false);
    state_ = State::kDone;
    return;
  }
  size_t step = http_ && !http_->content_encoding().empty() ? kEncodedStep : kReadSize;
  size_t n = static_cast<size_t>(std::min<uint64_t>({buf_.size() - pos_, block_left_, step}));
  // A Content-Length that claims too much swallows the next record. In per-record gzip/zstd a
  // member that starts inside the block with "WARC/" gives that away.
  uint64_t member = 0;
  if (Pos() > 0 && decoder_->MemberStartIn(Pos() - 1, Pos() + n - 1, &member)) {
    size_t rel = static_cast<size_t>(member - Pos());
    if (Fill(rel + 6) && IsVersionLine(std::string_view(buf_).substr(pos_ + rel, 6))) {
      Deliver(std::string_view(buf_).substr(pos_, rel));
      Consume(rel);
      Error("warc_content_length",
            absl::StrCat(path_, ": record at offset ", prov_->record_offset, " claims ",
                         block_size_, " block bytes but the next record starts at offset ",
                         decoder_->OffsetFor(member), " after ", block_size_ - block_left_ + rel));
      EndRecord(false);
      return;
    }
  }
  Deliver(std::string_view(buf_).substr(pos_, n));
  Consume(n);
  block_left_ -= n;
  if (block_left_ == 0) EndRecord(decoder_->discontinuities() == discontinuities_at_start_);
}

void WarcFileReader::EndRecord(bool whole) {
  std::string where = absl::StrCat(path_, "@", prov_->record_offset);
  if (http_) {
    http_->Finish();
    if (!http_->problem().empty())
      Error(http_->problem_kind(), absl::StrCat(path_, ": record at offset ", prov_->record_offset,
                                                ": ", http_->problem()));
    if (http_->capped()) {
      Count("warc http bodies capped");
      stats_->AddSkip("warc http body over the size cap (rest not scanned)", where);
    }
    if (http_->skipped_binary()) stats_->AddSkip("warc binary http body", where);
    if (http_->opaque())
      stats_->AddSkip("warc http body in an unsupported content encoding (" +
                          http_->content_encoding() + ")", where);
    http_.reset();
  }
  if (!direct_.empty()) {
    stats_->AddScanned(1, direct_.size());
    ready_.data = std::move(direct_);
    direct_.clear();
    ready_.prov = prov_;
    ready_.accept_end = ready_.data.size();
    has_ready_ = true;
  } else if (chunker_begun_) {
    stats_->AddScanned(1, chunker_.object_bytes());
    chunker_.Finish();
    chunker_begun_ = false;
  }
  if (whole) {
    Count("warc records");
    Count("warc type " + prov_->record_type);
    if (scanning_) {
      Count("warc records scanned");
    } else {
      Count("warc records skipped");
      stats_->AddSkip(skip_reason_, where);
    }
  } else {
    Count("warc records broken");
  }
  decoder_->Release(Pos());
  state_ = State::kBetween;
}

}  // namespace keysweep::warc
