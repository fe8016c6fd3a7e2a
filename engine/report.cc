#include "engine/strings.h"
#include "engine/report.h"

#include <ctime>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/matcher.h"

namespace keysweep {
namespace {

std::string_view SourceName(Provenance::Kind k) {
  switch (k) {
    case Provenance::Kind::kFile: return "file";
    case Provenance::Kind::kStdin: return "stdin";
    case Provenance::Kind::kGitBlob: return "git";
    case Provenance::Kind::kGitCommitMessage: return "git-commit-message";
    case Provenance::Kind::kGitTagMessage: return "git-tag-message";
    case Provenance::Kind::kGitStaged: return "git-staged";
    case Provenance::Kind::kWarcRecord: return "warc";
  }
  return "file";
}

std::string SecretText(const Finding& f, const ReportOptions& o) {
  return o.redact ? Redact(f.secret) : f.secret;
}

// A tag's date; empty for a tag with no tagger (some old tags have none).
std::string TagDate(const GitTag& t) { return t.time != 0 ? IsoTime(t.time) : ""; }

void AppendIntroductionsJson(std::string* out, const std::vector<GitIntroduction>& intros) {
  out->append("\"commits\":[");
  for (size_t i = 0; i < intros.size(); ++i) {
    const GitIntroduction& g = intros[i];
    if (i) out->push_back(',');
    Append(out, "{\"commit\":", JsonString(g.commit), ",\"path\":", JsonString(g.path),
                    ",\"author\":", JsonString(g.author_name), ",\"email\":", JsonString(g.author_email),
                    ",\"date\":", JsonString(IsoTime(g.time)), "}");
  }
  out->push_back(']');
}

void AppendOccurrenceJson(std::string* out, const Occurrence& o) {
  const Provenance& p = *o.prov;
  Append(out, "{\"source\":\"", SourceName(p.kind), "\"");
  switch (p.kind) {
    case Provenance::Kind::kFile:
    case Provenance::Kind::kStdin:
      Append(out, ",\"path\":", JsonString(p.path));
      break;
    case Provenance::Kind::kGitBlob:
    case Provenance::Kind::kGitStaged:
    case Provenance::Kind::kGitCommitMessage:
      Append(out, ",\"repository\":", JsonString(p.path));
      if (!p.git_path.empty()) Append(out, ",\"path\":", JsonString(p.git_path));
      if (!p.blob_id.empty()) Append(out, ",\"blob\":", JsonString(p.blob_id));
      out->push_back(',');
      AppendIntroductionsJson(out, p.introductions);
      break;
    case Provenance::Kind::kGitTagMessage: {
      const GitTag& t = p.tag;
      Append(out, ",\"repository\":", JsonString(p.path), ",\"tag\":", JsonString(t.name),
             ",\"tag_object\":", JsonString(t.id), ",\"tagger\":", JsonString(t.tagger_name),
             ",\"email\":", JsonString(t.tagger_email), ",\"date\":", JsonString(TagDate(t)));
      if (t.target_type == "commit") {
        Append(out, ",\"commit\":", JsonString(t.target));
      } else {  // a tag of a tree or blob
        Append(out, ",\"target\":", JsonString(t.target), ",\"target_type\":", JsonString(t.target_type));
      }
      break;
    }
    case Provenance::Kind::kWarcRecord:
      Append(out, ",\"warc_file\":", JsonString(p.path), ",\"record_offset\":", p.record_offset,
                      ",\"record_id\":", JsonString(p.record_id), ",\"record_type\":", JsonString(p.record_type),
                      ",\"target_uri\":", JsonString(p.target_uri), ",\"warc_date\":", JsonString(p.warc_date));
      break;
  }
  Append(out, ",\"line\":", o.line, ",\"column\":", o.column, ",\"offset\":", o.offset, "}");
}

void AppendVerificationJson(std::string* out, const Verification& v) {
  Append(out, ",\"verification\":{\"status\":\"", VerifyStatusName(v.status), "\",\"reason\":", JsonString(v.reason),
         ",\"identity\":", JsonString(v.identity), ",\"scopes\":[");
  for (size_t i = 0; i < v.scopes.size(); ++i) Append(out, i ? "," : "", JsonString(v.scopes[i]));
  Append(out, "],\"expires_at\":", v.expires_at.empty() ? "null" : JsonString(v.expires_at),
         ",\"checked_at\":", v.checked_at ? JsonString(IsoTime(v.checked_at)) : "null",
         "},\"broad_scope\":", v.broad_scope ? "true" : "false", ",\"no_expiry\":", v.no_expiry ? "true" : "false");
}

// The earliest commit (or tagging) time among the finding's git occurrences: how long the secret has
// been exposed.
std::optional<int64_t> FirstSeen(const Finding& f) {
  std::optional<int64_t> first;
  for (const Occurrence& o : f.occurrences) {
    for (const GitIntroduction& g : o.prov->introductions) {
      if (!first || g.time < *first) first = g.time;
    }
    const GitTag& t = o.prov->tag;
    if (o.prov->kind == Provenance::Kind::kGitTagMessage && t.time != 0 && (!first || t.time < *first)) {
      first = t.time;  // a tag with no tagger has no date
    }
  }
  return first;
}

void AppendFindingJson(std::string* out, const Finding& f, const Rule& r, const ReportOptions& o) {
  Append(out, "{\"rule_id\":", JsonString(r.id), ",\"rule_name\":", JsonString(r.name),
                  ",\"provider\":", JsonString(r.provider), ",\"category\":", JsonString(r.category),
                  ",\"confidence\":\"", ConfidenceName(r.confidence), "\",\"fingerprint\":\"", f.fingerprint,
                  "\",\"secret\":", JsonString(SecretText(f, o)), ",\"redacted\":", o.redact ? "true" : "false",
                  ",\"secret_length\":", f.secret.size(),
                  absl::StrFormat(",\"entropy\":%.3f", ShannonEntropy(f.secret)),
                  ",\"occurrence_count\":", f.occurrence_count);
  if (auto first = FirstSeen(f)) Append(out, ",\"first_seen\":", JsonString(IsoTime(*first)));
  if (f.verification) AppendVerificationJson(out, *f.verification);
  out->append(",\"occurrences\":[");
  const size_t n = std::min(f.occurrences.size(), o.max_occurrences);
  for (size_t i = 0; i < n; ++i) {
    if (i) out->push_back(',');
    AppendOccurrenceJson(out, f.occurrences[i]);
  }
  out->append("]}");
}

std::string Location(const Occurrence& o) {
  const Provenance& p = *o.prov;
  switch (p.kind) {
    case Provenance::Kind::kGitBlob:
    case Provenance::Kind::kGitStaged: {
      std::string s = Cat(p.git_path.empty() ? p.blob_id : p.git_path, ":", o.line, ":", o.column);
      if (!p.introductions.empty()) {
        const GitIntroduction& g = p.introductions.front();
        Append(&s, "  commit ", g.commit.substr(0, 12), " ", g.author_name, " <", g.author_email, "> ",
                        IsoTime(g.time));
        if (p.introductions.size() > 1) Append(&s, " (+", p.introductions.size() - 1, " more)");
      }
      return s;
    }
    case Provenance::Kind::kGitTagMessage: {
      const GitTag& t = p.tag;
      std::string s = Cat(p.DisplayName(), ":", o.line, ":", o.column, "  ");
      if (t.tagger_name.empty() && t.tagger_email.empty()) {
        s += "no tagger";
      } else {
        Append(&s, "tagger ", t.tagger_name, " <", t.tagger_email, "> ", TagDate(t));
      }
      Append(&s, " on ", t.target_type, " ", t.target.substr(0, 12));
      return s;
    }
    case Provenance::Kind::kWarcRecord:
      return Cat(p.path, "@", p.record_offset, " ", p.target_uri, " line ", o.line, ":", o.column);
    default:
      return Cat(p.DisplayName(), ":", o.line, ":", o.column);
  }
}

}  // namespace

std::string VerificationText(const Verification& v) {
  std::string s(VerifyStatusName(v.status));
  std::vector<std::string> parts;
  if (!v.reason.empty()) parts.push_back(v.reason);
  if (!v.identity.empty()) parts.push_back(Cat("identity ", v.identity));
  if (!v.scopes.empty()) parts.push_back(Cat("scopes ", absl::StrJoin(v.scopes, " ")));
  if (!v.expires_at.empty()) parts.push_back(Cat("expires ", v.expires_at));
  if (!parts.empty()) Append(&s, " (", absl::StrJoin(parts, "; "), ")");
  if (v.broad_scope) s += " [broad scope]";
  if (v.no_expiry) s += " [no expiry]";
  return s;
}

std::string IsoTime(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      // Copy a valid UTF-8 sequence as is; escape stray bytes.
      size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      bool ok = len > 0 && i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
      if (ok) {
        out.append(s.substr(i, len));
        i += len - 1;
      } else {
        absl::StrAppendFormat(&out, "\\u%04x", c);
      }
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatText(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                       const ReportOptions& o) {
  const char* bold = o.color ? "\033[1m" : "";
  const char* red = o.color ? "\033[31m" : "";
  const char* dim = o.color ? "\033[2m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  std::string out;
  for (const Finding* f : findings) {
    const Rule& r = rules[f->rule];
    Append(&out, bold, r.name, reset, "  ", dim, "[", r.id, ", ", r.category, ", ",
                    ConfidenceName(r.confidence), " confidence]", reset, "\n");
    Append(&out, "  secret:      ", red, SecretText(*f, o), reset, " (", f->secret.size(), " chars)\n");
    Append(&out, "  fingerprint: ", f->fingerprint.substr(0, 16), "\n");
    if (auto first = FirstSeen(*f)) Append(&out, "  first seen:  ", IsoTime(*first), "\n");
    if (f->verification) Append(&out, "  verified:    ", VerificationText(*f->verification), "\n");
    Append(&out, "  found ", f->occurrence_count, f->occurrence_count == 1 ? " time" : " times", ":\n");
    const size_t n = std::min(f->occurrences.size(), o.max_occurrences);
    for (size_t i = 0; i < n; ++i) Append(&out, "    ", Location(f->occurrences[i]), "\n");
    if (f->occurrence_count > n) Append(&out, "    ... and ", f->occurrence_count - n, " more\n");
    out.push_back('\n');
  }
  return out;
}

std::string FormatJsonl(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& o) {
  std::string out;
  for (const Finding* f : findings) {
    AppendFindingJson(&out, *f, rules[f->rule], o);
    out.push_back('\n');
  }
  return out;
}

namespace {
void AppendCountsJson(std::string* out, std::string_view key, const std::map<std::string, uint64_t>& m) {
  Append(out, "\"", key, "\":{");
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out->push_back(',');
    first = false;
    Append(out, JsonString(k), ":", v);
  }
  out->push_back('}');
}
}  // namespace

std::string FormatJson(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                       const ReportOptions& o, const ScanStats& stats, const ScanSummary& summary) {
  std::string out = Cat("{\"tool\":\"keysweep\",\"version\":\"", KEYSWEEP_VERSION, "\",\"findings\":[");
  for (size_t i = 0; i < findings.size(); ++i) {
    if (i) out.push_back(',');
    AppendFindingJson(&out, *findings[i], rules[findings[i]->rule], o);
  }
  Append(&out, "],\"summary\":{\"objects_scanned\":", stats.objects(), ",\"bytes_scanned\":", stats.bytes(),
                  ",\"findings\":", summary.findings, ",\"occurrences\":", summary.occurrences,
                  absl::StrFormat(",\"seconds\":%.3f,", summary.seconds));
  AppendCountsJson(&out, "skipped", stats.skips());
  out.push_back(',');
  AppendCountsJson(&out, "errors", stats.errors());
  out.push_back(',');
  AppendCountsJson(&out, "counters", stats.counters());
  out.append("}}\n");
  return out;
}

std::string SummaryLine(const ScanStats& stats, const ScanSummary& s) {
  const double mb = static_cast<double>(stats.bytes()) / 1e6;
  std::string line = absl::StrFormat("keysweep: scanned %d objects (%.1f MB) in %.2f s (%.0f MB/s); %d findings (%d occurrences)",
                                     stats.objects(), mb, s.seconds, s.seconds > 0 ? mb / s.seconds : 0.0,
                                     s.findings, s.occurrences);
  auto append = [&](std::string_view label, const std::map<std::string, uint64_t>& m) {
    if (m.empty()) return;
    Append(&line, "; ", label, ":");
    bool first = true;
    for (const auto& [k, v] : m) {
      Append(&line, first ? " " : ", ", v, " ", k);
      first = false;
    }
  };
  append("skipped", stats.skips());
  append("errors", stats.errors());
  append("counted", stats.counters());
  return line;
}

}  // namespace keysweep
