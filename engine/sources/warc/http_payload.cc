#include "engine/sources/warc/http_payload.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/sources/warc/text_util.h"

namespace keysweep::warc {
namespace {
constexpr size_t kMaxHead = 64 << 10;
constexpr size_t kMaxChunkLine = 4096;
}  // namespace

// zlib for HTTP bodies: they are small and rare next to the WARC stream itself, and zlib's
// gzip/zlib auto-detection and raw-deflate mode cover what servers actually send.
struct HttpBlockDecoder::Inflater {
  z_stream z{};
  bool raw_checked = false;
  bool deflate = false;  // "deflate": zlib-wrapped or raw, decided from the first bytes
  bool ready = false;
  bool ended = false;
  uint64_t out = 0;
  ~Inflater() {
    if (ready) inflateEnd(&z);
  }
};

bool IsBinaryContentType(std::string_view t) {
  for (std::string_view p : {"image/", "audio/", "video/", "font/", "application/octet-stream",
                             "application/zip", "application/gzip", "application/x-gzip",
                             "application/pdf", "application/vnd.ms-fontobject",
                             "application/font-woff", "application/x-font"}) {
    if (StartsWith(t, p)) return !StartsWith(t, "image/svg");
  }
  return false;
}

HttpBlockDecoder::HttpBlockDecoder(uint64_t max_body, bool skip_binary, Sink sink)
    : max_body_(max_body), skip_binary_(skip_binary), sink_(std::move(sink)) {}
HttpBlockDecoder::~HttpBlockDecoder() = default;

void HttpBlockDecoder::Fail(const char* kind, std::string message) {
  if (problem_.empty()) {
    problem_kind_ = kind;
    problem_ = std::move(message);
  }
}

void HttpBlockDecoder::Feed(std::string_view in) {
  fed_ += in.size();
  if (phase_ == Phase::kRaw) return Emit(in);
  if (phase_ == Phase::kBody) return Body(in);
  // Accumulate the header; the body may start in the same piece.
  size_t old = head_.size();
  head_.append(in.data(), std::min(in.size(), kMaxHead + 4 - old));
  size_t search_from = old > 3 ? old - 3 : 0;
  // The header ends at the first blank line, CRLF or (from sloppy servers) bare LF.
  size_t end = head_.find("\r\n\r\n", search_from);
  size_t sep = 4;
  size_t lf = head_.find("\n\n", old > 1 ? old - 1 : 0);
  if (lf != std::string::npos && (end == std::string::npos || lf + 1 < end)) end = lf, sep = 2;
  if (end == std::string::npos) {
    if (head_.size() >= kMaxHead) {
      // Not HTTP as we know it: scan the block as it is.
      phase_ = Phase::kRaw;
      Emit(head_);
      if (in.size() > head_.size() - old) Emit(in.substr(head_.size() - old));
      head_.clear();
    }
    return;
  }
  size_t head_len = end + sep;
  size_t used_from_in = head_len - old;
  head_.resize(head_len);
  Emit(head_);
  ParseHeader(head_);
  head_.clear();
  phase_ = Phase::kBody;
  if (used_from_in < in.size()) Body(in.substr(used_from_in));
}

void HttpBlockDecoder::ParseHeader(std::string_view head) {
  ForEachLine(head, [this](std::string_view line) {
    line = StripRight(line);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view name = Strip(line.substr(0, colon));
    std::string_view value = Strip(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked_ = Contains(ToLower(value), "chunked");
    } else if (EqualsIgnoreCase(name, "content-encoding")) {
      encoding_ = ToLower(value);
    } else if (EqualsIgnoreCase(name, "content-type")) {
      content_type_ = ToLower(value);
    }
  });
  if (skip_binary_ && IsBinaryContentType(content_type_)) skipped_binary_ = true;
  if (encoding_ == "identity" || encoding_.empty()) {
    encoding_.clear();
  } else if (encoding_ == "gzip" || encoding_ == "x-gzip" || encoding_ == "deflate") {
    inflater_ = std::make_unique<Inflater>();
    inflater_->deflate = encoding_ == "deflate";
  }
}

void HttpBlockDecoder::Body(std::string_view in) {
  if (skipped_binary_) return;
  if (!chunked_ || cstate_ == ChunkState::kDone) {
    if (!chunked_) Content(in);
    return;  // bytes after the last chunk and trailer: nothing to scan
  }
  size_t i = 0;
  while (i < in.size()) {
    switch (cstate_) {
      case ChunkState::kSize:
      case ChunkState::kTrailer: {
        size_t nl = in.find('\n', i);
        size_t take = (nl == std::string_view::npos ? in.size() : nl + 1) - i;
        line_.append(in.data() + i, take);
        i += take;
        if (nl == std::string_view::npos) {
          if (line_.size() > kMaxChunkLine) goto not_chunked;
          break;
        }
        std::string_view l = Strip(line_);
        if (cstate_ == ChunkState::kTrailer) {
          if (l.empty()) cstate_ = ChunkState::kDone;
          line_.clear();
          break;
        }
        l = l.substr(0, l.find(';'));  // chunk extensions
        uint64_t size = 0;
        if (l.empty() || l.size() > 15 || !ParseHex(l, &size)) goto not_chunked;
        line_.clear();
        chunk_left_ = size;
        cstate_ = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
        break;
      }
      case ChunkState::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, in.size() - i));
        Content(in.substr(i, take));
        i += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) cstate_ = ChunkState::kDataEnd;
        break;
      }
      case ChunkState::kDataEnd: {
        // The CRLF after a chunk's data; tolerate a bare LF.
        char c = in[i++];
        if (c == '\n') cstate_ = ChunkState::kSize;
        else if (c != '\r') {
          --i;
          goto not_chunked;
        }
        break;
      }
      case ChunkState::kDone:
        return;
    }
  }
  return;

not_chunked:
  // Says chunked but is not (or breaks off): report it and scan the rest as it stands.
  Fail("warc_http_chunked", absl::StrCat("broken chunked body at block offset ",
                                         fed_ - (in.size() - i) - line_.size(),
                                         "; scanning the rest unchunked"));
  chunked_ = false;
  std::string pending = std::move(line_);
  line_.clear();
  if (!pending.empty()) Content(pending);
  if (i < in.size()) Content(in.substr(i));
}

void HttpBlockDecoder::Content(std::string_view in) {
  if (in.empty()) return;
  if (!inflater_) {
    if (!encoding_.empty()) {  // br, compress, ...: opaque
      opaque_ = true;
      return;
    }
    return Emit(in);
  }
  Inflater& f = *inflater_;
  if (inflate_failed_ || f.ended) {
    if (inflate_failed_ && f.out == 0) Emit(in);
    return;
  }
  if (!f.ready) {
    int bits = 15 + 32;  // gzip or zlib, detected
    if (f.deflate) {
      auto b0 = static_cast<uint8_t>(in[0]);
      bool zlib = (b0 & 0x0f) == 8 && (in.size() < 2 || ((b0 << 8) | static_cast<uint8_t>(in[1])) % 31 == 0);
      bits = zlib ? 15 : -15;
    }
    if (inflateInit2(&f.z, bits) != Z_OK) {
      inflate_failed_ = true;
      return;
    }
    f.ready = true;
  }
  char out[64 << 10];
  f.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  f.z.avail_in = static_cast<uInt>(in.size());
  while (f.z.avail_in > 0 && !capped_) {
    f.z.next_out = reinterpret_cast<Bytef*>(out);
    f.z.avail_out = sizeof(out);
    int r = inflate(&f.z, Z_NO_FLUSH);
    size_t got = sizeof(out) - f.z.avail_out;
    f.out += got;
    Emit(std::string_view(out, got));
    if (r == Z_STREAM_END) {
      // Concatenated gzip members happen; anything else after the end is ignored.
      if (f.z.avail_in >= 2 && f.z.next_in[0] == 0x1f && f.z.next_in[1] == 0x8b) {
        inflateReset(&f.z);
        continue;
      }
      f.ended = true;
      break;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      // Stored decoded after all (the header kept the original value)? Then pass it through.
      Fail("warc_http_encoding", absl::StrCat("bad ", encoding_, " body (zlib: ",
                                              f.z.msg ? f.z.msg : "error", ")"));
      inflate_failed_ = true;
      if (f.out == 0) Emit(in);
      break;
    }
    if (r == Z_BUF_ERROR && got == 0) break;
  }
}

void HttpBlockDecoder::Emit(std::string_view out) {
  if (out.empty() || capped_) return;
  if (phase_ != Phase::kHeader) {
    if (body_out_ + out.size() > max_body_) {
      out = out.substr(0, static_cast<size_t>(max_body_ - body_out_));
      capped_ = true;
    }
    body_out_ += out.size();
  }
  if (!out.empty()) sink_(out);
}

void HttpBlockDecoder::Finish() {
  if (phase_ == Phase::kHeader && !head_.empty()) {
    // No blank line: a header-only block (or not HTTP); scan it whole.
    Emit(head_);
    head_.clear();
  }
  if (phase_ == Phase::kBody && chunked_ && cstate_ != ChunkState::kDone &&
      cstate_ != ChunkState::kTrailer && fed_ > 0) {
    if (!line_.empty()) Content(line_);
    Fail("warc_http_chunked", absl::StrCat("chunked body ends before its last chunk (block of ",
                                           fed_, " bytes)"));
  }
}

}  // namespace keysweep::warc
