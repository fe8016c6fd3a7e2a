#include "verifiers/verify_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <simdjson.h>
#include <sstream>

#include "absl/time/clock.h"
#include "engine/report.h"
#include "engine/strings.h"

namespace keysweep::verify {
namespace {

std::optional<VerifyStatus> StatusFromName(std::string_view s) {
  if (s == "verified") return VerifyStatus::kVerified;
  if (s == "invalid") return VerifyStatus::kInvalid;
  return std::nullopt;
}

std::string Str(simdjson::dom::element e, const char* key) {
  auto r = e[key].get_string();
  return r.error() ? std::string() : std::string(r.value_unsafe());
}

}  // namespace

absl::StatusOr<std::unique_ptr<VerifyCache>> VerifyCache::Open(const std::string& path, int64_t ttl) {
  std::unique_ptr<VerifyCache> c(new VerifyCache(path, ttl));
  if (path.empty()) return c;
  std::ifstream in(path, std::ios::binary);
  if (!in) return c;  // first run
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  simdjson::dom::parser parser;
  std::string line;
  absl::MutexLock lock(&c->mu_);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto doc = parser.parse(line);
    if (doc.error()) return absl::DataLossError(Cat(path, ": not a keysweep verification cache"));
    simdjson::dom::element e = doc.value_unsafe();
    const std::string key = Str(e, "key");
    auto status = StatusFromName(Str(e, "status"));
    auto checked = e["checked_at"].get_int64();
    if (key.empty() || !status || checked.error()) continue;
    if (now - checked.value_unsafe() > ttl) continue;
    Verification v;
    v.status = *status;
    v.checked_at = checked.value_unsafe();
    v.reason = Str(e, "reason");
    v.identity = Str(e, "identity");
    v.expires_at = Str(e, "expires_at");
    auto scopes = e["scopes"].get_array();
    if (!scopes.error()) {
      for (auto s : scopes.value_unsafe()) {
        auto str = s.get_string();
        if (!str.error()) v.scopes.emplace_back(str.value_unsafe());
      }
    }
    bool flag = false;
    v.broad_scope = !e["broad_scope"].get_bool().get(flag) && flag;
    flag = false;
    v.no_expiry = !e["no_expiry"].get_bool().get(flag) && flag;
    c->entries_[key] = std::move(v);
  }
  return c;
}

std::optional<Verification> VerifyCache::Get(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void VerifyCache::Put(const std::string& key, const Verification& v) {
  if (v.status != VerifyStatus::kVerified && v.status != VerifyStatus::kInvalid) return;
  absl::MutexLock lock(&mu_);
  entries_[key] = v;
}

size_t VerifyCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

absl::Status VerifyCache::Save() const {
  if (path_.empty()) return absl::OkStatus();
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, v] : entries_) {
      Append(&out, "{\"key\":\"", key, "\",\"status\":\"", VerifyStatusName(v.status), "\",\"checked_at\":",
             v.checked_at, ",\"reason\":", JsonString(v.reason), ",\"identity\":", JsonString(v.identity),
             ",\"expires_at\":", JsonString(v.expires_at), ",\"scopes\":[");
      for (size_t i = 0; i < v.scopes.size(); ++i) Append(&out, i ? "," : "", JsonString(v.scopes[i]));
      Append(&out, "],\"broad_scope\":", v.broad_scope ? "true" : "false", ",\"no_expiry\":",
             v.no_expiry ? "true" : "false", "}\n");
    }
  }
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(Cat(tmp, ": cannot write the verification cache"));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n <= 0) {
      ::close(fd);
      return absl::DataLossError(Cat(tmp, ": write failed"));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return absl::DataLossError(Cat(path_, ": rename failed"));
  return absl::OkStatus();
}

}  // namespace keysweep::verify
