#include "engine/strings.h"
#include "engine/sources/fs_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace keysweep {
namespace {

constexpr size_t kHeadBytes = 8192;

// Reads up to n bytes (retrying short reads). Returns bytes read, or -1 with errno.
ssize_t ReadFull(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

bool LooksBinary(std::string_view head) {
  return std::memchr(head.data(), '\0', std::min(head.size(), kHeadBytes)) != nullptr;
}

FsSource::FsSource(std::vector<std::string> paths, FsSourceOptions options, ScanStats* stats)
    : roots_(std::move(paths)), options_(std::move(options)), stats_(stats),
      chunker_(options_.chunk_size) {}

FsSource::~FsSource() {
  if (fd_ > STDIN_FILENO) ::close(fd_);
}

bool FsSource::NextPath(std::string* path) {
  namespace fs = std::filesystem;
  while (true) {
    if (!pending_files_.empty()) {
      *path = std::move(pending_files_.back());
      pending_files_.pop_back();
      return true;
    }
    if (!pending_dirs_.empty()) {
      std::string dir = std::move(pending_dirs_.back());
      pending_dirs_.pop_back();
      std::error_code ec;
      fs::directory_iterator it(dir, ec);
      if (ec) {
        stats_->AddError("unreadable", Cat(dir, ": cannot read folder: ", ec.message()));
        continue;
      }
      std::vector<std::string> files;
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const fs::directory_entry& e = *it;
        std::error_code tec;
        if (e.is_symlink(tec)) {
          stats_->AddSkip("symlink", e.path().string());
          continue;
        }
        if (e.is_directory(tec)) {
          if (e.path().filename() == ".git") {
            stats_->AddSkip(".git folder", e.path().string());
            continue;
          }
          pending_dirs_.push_back(e.path().string());
        } else if (e.is_regular_file(tec)) {
          files.push_back(e.path().string());
        } else if (!tec) {
          stats_->AddSkip("not a regular file", e.path().string());
        } else {
          stats_->AddError("unreadable", Cat(e.path().string(), ": ", tec.message()));
        }
      }
      if (ec) stats_->AddError("unreadable", Cat(dir, ": error while listing: ", ec.message()));
      // Reverse so files come out in directory order from the back of the stack.
      pending_files_.assign(files.rbegin(), files.rend());
      continue;
    }
    if (next_root_ < roots_.size()) {
      const std::string& root = roots_[next_root_++];
      if (root == "-") { *path = root; return true; }
      std::error_code ec;
      auto st = fs::status(root, ec);
      if (ec) {
        stats_->AddError("unreadable", Cat(root, ": ", ec.message()));
        continue;
      }
      if (fs::is_directory(st)) pending_dirs_.push_back(root);
      else { *path = root; return true; }
      continue;
    }
    return false;
  }
}

bool FsSource::Next(Chunk* chunk) {
  while (true) {
    if (delegated_) {
      if (delegated_->Next(chunk)) return true;
      delegated_.reset();
    }
    if (streaming_ && ContinueStream(chunk)) return true;
    std::string path;
    if (!NextPath(&path)) return false;
    if (OpenFile(path, chunk)) return true;
  }
}

bool FsSource::OpenFile(const std::string& path, Chunk* chunk) {
  const bool is_stdin = path == "-";
  int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    stats_->AddError("unreadable", Cat(path, ": cannot open: ", std::strerror(errno)));
    return false;
  }
  struct stat st{};
  if (!is_stdin) {
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      stats_->AddSkip("not a regular file", path);
      ::close(fd);
      return false;
    }
    if (static_cast<uint64_t>(st.st_size) > options_.max_file_size) {
      stats_->AddSkip("too large", Cat(path, " (", st.st_size, " bytes)"));
      ::close(fd);
      return false;
    }
  }
  auto prov = std::make_shared<Provenance>();
  prov->kind = is_stdin ? Provenance::Kind::kStdin : Provenance::Kind::kFile;
  prov->path = is_stdin ? "<stdin>" : path;

  // Small regular files: one read, one chunk, no copies.
  if (!is_stdin && static_cast<size_t>(st.st_size) <= options_.chunk_size) {
    chunk->data.resize(static_cast<size_t>(st.st_size));
    ssize_t n = ReadFull(fd, chunk->data.data(), chunk->data.size());
    int err = errno;
    ::close(fd);
    if (n < 0) {
      stats_->AddError("unreadable", Cat(path, ": read failed: ", std::strerror(err)));
      return false;
    }
    chunk->data.resize(static_cast<size_t>(n));
    if (options_.delegate) {
      if (auto d = options_.delegate(path, chunk->data)) { delegated_ = std::move(d); return false; }
    }
    if (!options_.include_binary && LooksBinary(chunk->data)) {
      stats_->AddSkip("binary", path);
      return false;
    }
    stats_->AddScanned(1, chunk->data.size());
    if (chunk->data.empty()) return false;
    SetWholeObject(chunk, std::move(chunk->data), std::move(prov));
    return true;
  }

  // Large files and stdin: stream through the chunker.
  read_buf_.resize(options_.chunk_size);
  ssize_t n = ReadFull(fd, read_buf_.data(), std::min(kHeadBytes, read_buf_.size()));
  if (n < 0) {
    stats_->AddError("unreadable", Cat(path, ": read failed: ", std::strerror(errno)));
    if (!is_stdin) ::close(fd);
    return false;
  }
  std::string_view head(read_buf_.data(), static_cast<size_t>(n));
  if (!is_stdin && options_.delegate) {
    if (auto d = options_.delegate(path, head)) {
      ::close(fd);
      delegated_ = std::move(d);
      return false;
    }
  }
  if (!options_.include_binary && LooksBinary(head)) {
    stats_->AddSkip("binary", path);
    if (!is_stdin) ::close(fd);
    return false;
  }
  fd_ = fd;
  streaming_ = true;
  stream_path_ = path;
  chunker_.Begin(std::move(prov));
  chunker_.Feed(head);
  return ContinueStream(chunk);
}

bool FsSource::ContinueStream(Chunk* chunk) {
  while (true) {
    if (chunker_.Pop(chunk)) return true;
    if (fd_ < 0) {
      streaming_ = false;
      return false;
    }
    ssize_t n = ReadFull(fd_, read_buf_.data(), read_buf_.size());
    if (n < 0) {
      stats_->AddError("unreadable", Cat(stream_path_, ": read failed at offset ",
                                                  chunker_.object_bytes(), ": ", std::strerror(errno)));
    }
    if (n > 0) {
      chunker_.Feed(std::string_view(read_buf_.data(), static_cast<size_t>(n)));
      if (chunker_.object_bytes() > options_.max_file_size) {
        stats_->AddSkip("too large", Cat(stream_path_, " (over ", options_.max_file_size,
                                                 " bytes; the part before was scanned)"));
        n = 0;
      }
    }
    if (n <= 0) {
      if (fd_ != STDIN_FILENO) ::close(fd_);
      fd_ = -1;
      stats_->AddScanned(1, chunker_.object_bytes());
      chunker_.Finish();
    }
  }
}

}  // namespace keysweep
