#include "engine/sources/warc/decoder.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "isa-l/igzip_lib.h"

namespace keysweep::warc {
namespace {

constexpr uint32_t kZstdMagic = 0xFD2FB528;
constexpr uint32_t kWarcZstdDictMagic = 0x184D2A5D;  // IIPC warc-zstd dictionary frame
constexpr uint64_t kMaxDictionary = 64ull << 20;

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

bool IsGzipMagic(const uint8_t* p) { return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8; }

// Raw bytes with a movable window. Keeps `history` consumed bytes in front of pos on refill,
// because isal may hand back a few read-ahead bytes at the end of a member.
struct InBuf {
  RawInput* input = nullptr;
  std::vector<uint8_t> buf;
  size_t pos = 0, len = 0;
  uint64_t base = 0;  // file offset of buf[0]
  bool eof = false;
  int read_errno = 0;

  size_t avail() const { return len - pos; }
  uint64_t offset() const { return base + pos; }
  uint8_t* next() { return buf.data() + pos; }
  // Reads more input; returns false if nothing more came.
  bool More(size_t history = 0) {
    if (eof) return false;
    size_t keep_from = pos > history ? pos - history : 0;
    if (keep_from > 0) {
      std::memmove(buf.data(), buf.data() + keep_from, len - keep_from);
      base += keep_from;
      len -= keep_from;
      pos -= keep_from;
    }
    if (len == buf.size()) buf.resize(buf.size() * 2);
    long n = input->Read(buf.data() + len, buf.size() - len);
    if (n <= 0) {
      eof = true;
      if (n < 0) read_errno = errno;
      return false;
    }
    len += static_cast<size_t>(n);
    return true;
  }
  // Ensures at least n bytes are available unless the input ends first.
  bool Ensure(size_t n, size_t history = 0) {
    while (avail() < n)
      if (!More(history)) return false;
    return true;
  }
};

class PlainDecoder : public Decoder {
 public:
  PlainDecoder(std::unique_ptr<RawInput> input, std::string prefix)
      : input_(std::move(input)), prefix_(std::move(prefix)) {
    plain_ = true;
  }
  size_t Read(char* dst, size_t cap) override {
    if (done_) return 0;
    if (prefix_pos_ < prefix_.size()) {
      size_t n = std::min(cap, prefix_.size() - prefix_pos_);
      std::memcpy(dst, prefix_.data() + prefix_pos_, n);
      prefix_pos_ += n;
      decoded_total_ += n;
      return n;
    }
    long n = input_->Read(reinterpret_cast<uint8_t*>(dst), cap);
    if (n <= 0) {
      if (n < 0) Problem("read_error", absl::StrCat("read error: ", std::strerror(errno)));
      done_ = true;
      return 0;
    }
    decoded_total_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

 private:
  std::unique_ptr<RawInput> input_;
  std::string prefix_;
  size_t prefix_pos_ = 0;
  bool done_ = false;
};

// Multi-member gzip with ISA-L. Each member is inflated with its own header/trailer check; members
// need not align with records. Corrupt or foreign bytes are skipped to the next gzip magic.
class GzipDecoder : public Decoder {
 public:
  GzipDecoder(std::unique_ptr<RawInput> input, std::string prefix, size_t in_buffer)
      : input_(std::move(input)), st_(std::make_unique<inflate_state>()) {
    in_.input = input_.get();
    in_.buf.resize(std::max<size_t>(in_buffer, 64) + prefix.size());
    std::memcpy(in_.buf.data(), prefix.data(), prefix.size());
    in_.len = prefix.size();
    isal_inflate_init(st_.get());
  }

  size_t Read(char* dst, size_t want) override {
    auto* base = reinterpret_cast<uint8_t*>(dst);
    size_t produced = 0;
    while (produced < want && !done_) {
      if (at_member_start_) {
        if (!StartMember()) break;
        continue;
      }
      if (in_.avail() == 0) in_.More(kHistory);
      bool at_eof = in_.avail() == 0;
      size_t before = produced;
      if (!Inflate(base, want, &produced) || at_member_start_) continue;
      if (at_eof && produced == before) {
        // Input ended and isal has nothing more: the member was cut short.
        Problem("gzip_truncated", absl::StrCat("gzip member at offset ", member_offset_,
                                               " ends before its end (file truncated)"));
        ++discontinuities_;
        done_ = true;
      }
    }
    return produced;
  }

 private:
  static constexpr size_t kHistory = 16;

  // Runs isal once. Returns false on a corrupt member (after arranging a resync).
  bool Inflate(uint8_t* base, size_t want, size_t* produced) {
    st_->next_in = in_.next();
    st_->avail_in = static_cast<uint32_t>(std::min<size_t>(in_.avail(), UINT32_MAX));
    st_->next_out = base + *produced;
    st_->avail_out = static_cast<uint32_t>(want - *produced);
    int r = isal_inflate(st_.get());
    size_t got = (want - *produced) - st_->avail_out;
    *produced += got;
    decoded_total_ += got;
    in_.pos = static_cast<size_t>(st_->next_in - in_.buf.data());
    if (r < 0) {
      Problem("gzip_corrupt", absl::StrCat("corrupt gzip member at offset ", member_offset_,
                                           " (isal error ", r, "); skipping to the next member"));
      ++discontinuities_;
      // Restart the search just after the bad member's magic.
      if (in_.offset() <= member_offset_ && member_offset_ >= in_.base)
        in_.pos = static_cast<size_t>(member_offset_ + 1 - in_.base);
      at_member_start_ = true;
      return false;
    }
    if (st_->block_state == ISAL_BLOCK_FINISH) at_member_start_ = true;
    return true;
  }

  // Positions at the next member's magic (skipping foreign bytes) and starts it.
  bool StartMember() {
    if (!in_.Ensure(3, kHistory)) {
      if (in_.avail() == 0) {
        done_ = true;
        return false;
      }
    }
    if (in_.avail() >= 3 && IsGzipMagic(in_.next())) {
      isal_inflate_reset(st_.get());
      st_->crc_flag = ISAL_GZIP;
      member_offset_ = in_.offset();
      NoteMemberStart(member_offset_);
      at_member_start_ = false;
      return true;
    }
    uint64_t garbage_at = in_.offset();
    bool only_zeros = true;
    for (;;) {
      while (in_.avail() >= 3 && !IsGzipMagic(in_.next())) {
        only_zeros = only_zeros && *in_.next() == 0;
        ++in_.pos;
      }
      if (in_.avail() >= 3) break;
      if (!in_.More(kHistory)) {
        for (; in_.avail() > 0; ++in_.pos) only_zeros = only_zeros && *in_.next() == 0;
        break;
      }
    }
    // Zero padding after the last member is common and harmless; anything else is reported.
    if (!(only_zeros && in_.avail() == 0)) {
      Problem("gzip_garbage", absl::StrCat(in_.offset() - garbage_at,
                                           " bytes that are not gzip at offset ", garbage_at,
                                           "; skipped to the next gzip member"));
      ++discontinuities_;
    }
    return true;
  }

  std::unique_ptr<RawInput> input_;
  std::unique_ptr<inflate_state> st_;
  InBuf in_;
  bool at_member_start_ = true;
  bool done_ = false;
  uint64_t member_offset_ = 0;
};

struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// zstd frames (one per record in warc-zstd), with the dictionary from a leading skippable frame.
class ZstdDecoder : public Decoder {
 public:
  ZstdDecoder(std::unique_ptr<RawInput> input, std::string prefix, size_t in_buffer)
      : input_(std::move(input)), ctx_(ZSTD_createDCtx()) {
    in_.input = input_.get();
    in_.buf.resize(std::max<size_t>(in_buffer, 64) + prefix.size());
    std::memcpy(in_.buf.data(), prefix.data(), prefix.size());
    in_.len = prefix.size();
  }

  size_t Read(char* dst, size_t want) override {
    if (!dict_checked_) LoadDictionary();
    ZSTD_outBuffer ob{dst, want, 0};
    while (ob.pos < want && !done_) {
      if (at_frame_start_) {
        if (!in_.Ensure(4)) {
          if (in_.avail() > 0)
            Problem("zstd_garbage", absl::StrCat(in_.avail(), " stray bytes at offset ",
                                                 in_.offset(), " at the end of the file"));
          done_ = true;
          break;
        }
        uint32_t magic = Le32(in_.next());
        if (magic != kZstdMagic && (magic & 0xFFFFFFF0u) != 0x184D2A50u) {
          SkipToMagic();
          continue;
        }
        frame_offset_ = in_.offset();
        NoteMemberStart(frame_offset_);
        at_frame_start_ = false;
      }
      if (in_.avail() == 0) in_.More();
      bool at_eof = in_.avail() == 0;
      ZSTD_inBuffer ib{in_.next(), in_.avail(), 0};
      size_t before = ob.pos;
      size_t r = ZSTD_decompressStream(ctx_.get(), &ob, &ib);
      in_.pos += ib.pos;
      decoded_total_ += ob.pos - before;
      if (ZSTD_isError(r)) {
        Problem("zstd_corrupt", absl::StrCat("corrupt zstd frame at offset ", frame_offset_, ": ",
                                             ZSTD_getErrorName(r), "; skipping to the next frame"));
        ++discontinuities_;
        ZSTD_DCtx_reset(ctx_.get(), ZSTD_reset_session_only);
        if (in_.offset() <= frame_offset_ && frame_offset_ >= in_.base)
          in_.pos = static_cast<size_t>(frame_offset_ + 1 - in_.base);
        at_frame_start_ = true;
        SkipToMagic();
        continue;
      }
      if (r != 0 && at_eof && ob.pos == before) {
        // Input ended and zstd has nothing more: the frame was cut short.
        Problem("zstd_truncated", absl::StrCat("zstd frame at offset ", frame_offset_,
                                               " ends before its end (file truncated)"));
        ++discontinuities_;
        done_ = true;
        break;
      }
      if (r == 0) at_frame_start_ = true;
    }
    return ob.pos;
  }

 private:
  void SkipToMagic() {
    uint64_t from = in_.offset();
    for (;;) {
      while (in_.avail() >= 4 && Le32(in_.next()) != kZstdMagic) ++in_.pos;
      if (in_.avail() >= 4 || !in_.More()) break;
    }
    if (in_.avail() < 4) in_.pos = in_.len;
    Problem("zstd_garbage", absl::StrCat(in_.offset() - from, " bytes that are not zstd at offset ",
                                         from, "; skipped to the next frame"));
    ++discontinuities_;
  }

  void LoadDictionary() {
    dict_checked_ = true;
    if (!in_.Ensure(8) || Le32(in_.next()) != kWarcZstdDictMagic) return;
    uint64_t size = Le32(in_.next() + 4);
    uint64_t at = in_.offset();
    if (size > kMaxDictionary || !in_.Ensure(8 + size)) {
      Problem("zstd_dictionary", absl::StrCat("unreadable warc-zstd dictionary frame at offset ", at));
      return;
    }
    std::string dict(reinterpret_cast<const char*>(in_.next() + 8), size);
    in_.pos += 8 + size;
    if (dict.size() >= 4 && Le32(reinterpret_cast<const uint8_t*>(dict.data())) == kZstdMagic) {
      // The dictionary may itself be zstd-compressed.
      std::string plain;
      std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> d(ZSTD_createDCtx());
      ZSTD_inBuffer ib{dict.data(), dict.size(), 0};
      size_t r = 1;
      while (ib.pos < ib.size && plain.size() < kMaxDictionary) {
        size_t old = plain.size();
        plain.resize(old + (1 << 20));
        ZSTD_outBuffer ob{plain.data() + old, 1 << 20, 0};
        r = ZSTD_decompressStream(d.get(), &ob, &ib);
        plain.resize(old + ob.pos);
        if (ZSTD_isError(r) || (ob.pos == 0 && r != 0 && ib.pos == ib.size)) break;
      }
      if (ZSTD_isError(r) || r != 0) {
        Problem("zstd_dictionary", absl::StrCat("corrupt compressed dictionary at offset ", at));
        return;
      }
      dict = std::move(plain);
    }
    size_t r = ZSTD_DCtx_loadDictionary(ctx_.get(), dict.data(), dict.size());
    if (ZSTD_isError(r))
      Problem("zstd_dictionary", absl::StrCat("bad dictionary at offset ", at, ": ",
                                              ZSTD_getErrorName(r)));
  }

  std::unique_ptr<RawInput> input_;
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx_;
  InBuf in_;
  bool dict_checked_ = false;
  bool at_frame_start_ = true;
  bool done_ = false;
  uint64_t frame_offset_ = 0;
};

}  // namespace

Compression DetectCompression(std::string_view b) {
  auto* p = reinterpret_cast<const uint8_t*>(b.data());
  if (b.size() >= 2 && p[0] == 0x1f && p[1] == 0x8b) return Compression::kGzip;
  if (b.size() >= 4 && (Le32(p) == kZstdMagic || Le32(p) == kWarcZstdDictMagic))
    return Compression::kZstd;
  return Compression::kNone;
}

absl::StatusOr<std::unique_ptr<RawInput>> RawInput::Open(const std::string& path) {
  std::unique_ptr<RawInput> in(new RawInput());
  if (path == "-") {
    in->fd_ = 0;
    return in;
  }
  in->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in->fd_ < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  in->owned_ = true;
  ::posix_fadvise(in->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return in;
}

std::unique_ptr<RawInput> RawInput::FromString(std::string bytes) {
  std::unique_ptr<RawInput> in(new RawInput());
  in->mem_ = std::move(bytes);
  return in;
}

RawInput::~RawInput() {
  if (owned_) ::close(fd_);
}

long RawInput::Read(uint8_t* dst, size_t n) {
  if (fd_ < 0) {
    size_t k = std::min(n, mem_.size() - mem_pos_);
    std::memcpy(dst, mem_.data() + mem_pos_, k);
    mem_pos_ += k;
    return static_cast<long>(k);
  }
  for (;;) {
    ssize_t r = ::read(fd_, dst, n);
    if (r < 0 && errno == EINTR) continue;
    return static_cast<long>(r);
  }
}

uint64_t Decoder::OffsetFor(uint64_t pos) const {
  if (plain_) return pos;
  auto it = std::upper_bound(members_.begin(), members_.end(), pos,
                             [](uint64_t p, const MemberStart& m) { return p < m.decoded_pos; });
  if (it == members_.begin()) return 0;
  return std::prev(it)->compressed_offset;
}

bool Decoder::MemberStartIn(uint64_t from, uint64_t to, uint64_t* at) const {
  auto it = std::upper_bound(members_.begin(), members_.end(), from,
                             [](uint64_t p, const MemberStart& m) { return p < m.decoded_pos; });
  if (it == members_.end() || it->decoded_pos > to) return false;
  *at = it->decoded_pos;
  return true;
}

void Decoder::Release(uint64_t pos) {
  while (members_.size() > 1 && members_[1].decoded_pos <= pos) members_.pop_front();
}

void Decoder::NoteMemberStart(uint64_t compressed_offset) {
  // An empty member (or a skippable frame) gives its decoded position to the one after it.
  if (!members_.empty() && members_.back().decoded_pos == decoded_total_)
    members_.back().compressed_offset = compressed_offset;
  else
    members_.push_back({decoded_total_, compressed_offset});
}

void Decoder::Problem(std::string kind, std::string message) {
  problems_.push_back({std::move(kind), std::move(message)});
}

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(std::unique_ptr<RawInput> input,
                                                     size_t in_buffer) {
  std::string prefix(8, '\0');
  size_t got = 0;
  while (got < prefix.size()) {
    long n = input->Read(reinterpret_cast<uint8_t*>(prefix.data() + got), prefix.size() - got);
    if (n < 0) return absl::DataLossError(absl::StrCat("read error: ", std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  prefix.resize(got);
  switch (DetectCompression(prefix)) {
    case Compression::kGzip:
      return std::make_unique<GzipDecoder>(std::move(input), std::move(prefix), in_buffer);
    case Compression::kZstd:
      return std::make_unique<ZstdDecoder>(std::move(input), std::move(prefix), in_buffer);
    case Compression::kNone:
      break;
  }
  return std::make_unique<PlainDecoder>(std::move(input), std::move(prefix));
}

}  // namespace keysweep::warc
