#include "engine/strings.h"
#include "engine/hs_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/matcher.h"
#include "engine/sha256.h"

namespace keysweep {
namespace {

constexpr char kMagic[8] = {'K', 'S', 'H', 'S', 'D', 'B', '0', '1'};

void PutU64(std::string* s, uint64_t v) { s->append(reinterpret_cast<const char*>(&v), sizeof v); }

bool GetU64(std::string_view* s, uint64_t* v) {
  if (s->size() < sizeof *v) return false;
  std::memcpy(v, s->data(), sizeof *v);
  s->remove_prefix(sizeof *v);
  return true;
}

std::string CachePath(const std::string& dir, const std::string& key) {
  return Cat(dir, "/hsdb-", key.substr(0, 32), ".bin");
}

}  // namespace

std::string DefaultCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return Cat(x, "/keysweep");
  if (const char* h = std::getenv("HOME"); h && *h) return Cat(h, "/.cache/keysweep");
  return "";
}

std::string HsCacheKey(const std::vector<Rule>& rules, unsigned hs_flags) {
  std::string material = Cat("keysweep-hsdb-v1\n", hs_version(), "\n", hs_flags, "\n");
  hs_platform_info_t plat{};
  if (hs_populate_platform(&plat) == HS_SUCCESS)
    Append(&material, plat.tune, ",", plat.cpu_features, "\n");
  for (const Rule& r : rules) {
    Append(&material, r.id.size(), ":", r.id, r.pattern.size(), ":", r.pattern,
                    r.prefilter.size(), ":", r.prefilter, ":", r.max_length, "\n");
  }
  return Sha256Hex(material);
}

// A read-only mapping of a whole file (no copy: a warm start should not fault in fresh pages for
// a megabyte it only reads once).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st{};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const char*>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

std::optional<CachedHsDatabase> LoadHsCache(const std::string& dir, const std::string& key,
                                            size_t rule_count) {
  MappedFile mapped(CachePath(dir, key));
  const std::string_view file = mapped.view();
  if (file.size() < sizeof kMagic + 32 + 32) return std::nullopt;
  std::string_view body(file.data(), file.size() - 32);
  auto digest = Sha256(body);
  if (std::memcmp(digest.data(), file.data() + body.size(), 32) != 0) return std::nullopt;
  if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  body.remove_prefix(sizeof kMagic);
  if (body.substr(0, key.size()) != key) return std::nullopt;  // a foreign entry
  body.remove_prefix(key.size());
  uint64_t n = 0, db_len = 0;
  if (!GetU64(&body, &n) || n != rule_count || body.size() < n * sizeof(uint32_t)) return std::nullopt;
  std::vector<uint32_t> windows(n);
  std::memcpy(windows.data(), body.data(), n * sizeof(uint32_t));
  body.remove_prefix(n * sizeof(uint32_t));
  if (!GetU64(&body, &db_len) || db_len != body.size()) return std::nullopt;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(body.data(), body.size(), &db) != HS_SUCCESS) return std::nullopt;
  return CachedHsDatabase{db, std::move(windows)};
}

void StoreHsCache(const std::string& dir, const std::string& key, const hs_database_t* db,
                  const std::vector<uint32_t>& windows) {
  char* bytes = nullptr;
  size_t len = 0;
  if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) return;
  std::string file(kMagic, sizeof kMagic);
  file += key;
  PutU64(&file, windows.size());
  file.append(reinterpret_cast<const char*>(windows.data()), windows.size() * sizeof(uint32_t));
  PutU64(&file, len);
  file.append(bytes, len);
  std::free(bytes);
  auto digest = Sha256(file);
  file.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Write to a unique temporary name, then rename: concurrent runs never see a half-written entry.
  const std::string final_path = CachePath(dir, key);
  const std::string tmp = Cat(final_path, ".tmp.", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out) { std::filesystem::remove(tmp, ec); return; }
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
  // Keep the cache bounded: the newest few entries (one per rule set in use) stay.
  constexpr size_t kKeep = 8;
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> entries;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("hsdb-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".bin")
      entries.emplace_back(it->last_write_time(ec), it->path());
  }
  if (entries.size() <= kKeep) return;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kKeep; i < entries.size(); ++i) std::filesystem::remove(entries[i].second, ec);
}

}  // namespace keysweep
