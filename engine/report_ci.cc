// CI-facing report formats: SARIF for code scanning, GitHub annotations, JUnit XML.
#include <set>

#include "absl/strings/str_replace.h"
#include "engine/report.h"
#include "engine/sha256.h"
#include "engine/strings.h"

namespace keysweep {
namespace {

// Path of an occurrence as a repository-relative URI where possible.
std::string OccurrencePath(const Occurrence& o) {
  const Provenance& p = *o.prov;
  std::string path;
  switch (p.kind) {
    case Provenance::Kind::kGitBlob:
    case Provenance::Kind::kGitStaged:
      path = p.git_path.empty() ? p.blob_id : p.git_path;
      break;
    case Provenance::Kind::kGitCommitMessage:
      path = "COMMIT_MSG";
      break;
    case Provenance::Kind::kGitTagMessage:
      path = "TAG_MSG/" + p.tag.name;  // one place per tag, so two tags' alerts stay apart
      break;
    default:
      path = p.path;
  }
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  return path;
}

// A path as an RFC 3986 URI reference, as SARIF's artifactLocation.uri must be: every byte but an
// unreserved character or '/' is percent-encoded (spaces, '#', '?', '%', ':', UTF-8 and any other
// byte alike), so consumers decode it back to the exact path.
std::string UriReference(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// The commit an occurrence belongs to: the introducing commit, or the commit a tag points to.
std::string Commit(const Occurrence& o) {
  const Provenance& p = *o.prov;
  if (p.kind == Provenance::Kind::kGitTagMessage) return p.tag.target_type == "commit" ? p.tag.target : "";
  return p.introductions.empty() ? "" : p.introductions.front().commit;
}

std::string Message(const Finding& f, const Rule& r, const ReportOptions& o) {
  std::string m = Cat(r.name, " (", r.id, "): ", o.redact ? Redact(f.secret) : f.secret);
  if (f.verification) Append(&m, " [", VerificationText(*f.verification), "]");
  return m;
}

std::string_view Precision(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return "very-high";
    case Confidence::kMedium: return "high";
    case Confidence::kLow: return "medium";
  }
  return "high";
}

std::string Xml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += "?";
        else out.push_back(c);
    }
  }
  return out;
}

// GitHub workflow-command escaping (properties and message differ).
std::string GhData(std::string_view s) {
  return absl::StrReplaceAll(absl::string_view(s.data(), s.size()), {{"%", "%25"}, {"\r", "%0D"}, {"\n", "%0A"}});
}
std::string GhProp(std::string_view s) {
  return absl::StrReplaceAll(GhData(s), {{":", "%3A"}, {",", "%2C"}});
}

}  // namespace

std::string FormatSarif(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& o) {
  // Rules that have findings, each once, in a stable order.
  std::vector<uint32_t> used;
  {
    std::set<uint32_t> seen;
    for (const Finding* f : findings)
      if (seen.insert(f->rule).second) used.push_back(f->rule);
  }
  std::vector<int> index(rules.size(), -1);
  std::string out = Cat(
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
      "\"tool\":{\"driver\":{\"name\":\"keysweep\",\"version\":\"", KEYSWEEP_VERSION,
      "\",\"semanticVersion\":\"", KEYSWEEP_VERSION, "\",\"rules\":[");
  for (size_t i = 0; i < used.size(); ++i) {
    const Rule& r = rules[used[i]];
    index[used[i]] = static_cast<int>(i);
    Append(&out, i ? "," : "", "{\"id\":", JsonString(r.id), ",\"name\":", JsonString(r.id),
           ",\"shortDescription\":{\"text\":", JsonString(r.name), "},\"fullDescription\":{\"text\":",
           JsonString(Cat(r.name, " (", r.provider, ")")), "}");
    if (!r.references.empty()) Append(&out, ",\"helpUri\":", JsonString(r.references.front()));
    Append(&out, ",\"help\":{\"text\":", JsonString(Cat("Revoke and rotate the credential, then remove it from the code. References: ",
                                                         r.references.empty() ? "none" : r.references.front())),
           "},\"defaultConfiguration\":{\"level\":\"error\"},\"properties\":{\"tags\":[\"security\",\"secret\",",
           JsonString(r.category), "],\"precision\":\"", Precision(r.confidence),
           "\",\"security-severity\":\"8.0\"}}");
  }
  out += "]}},\"results\":[";
  bool first = true;
  for (const Finding* f : findings) {
    const Rule& r = rules[f->rule];
    const size_t n = std::min(f->occurrences.size(), o.max_occurrences);
    for (size_t i = 0; i < n; ++i) {
      const Occurrence& occ = f->occurrences[i];
      const std::string path = OccurrencePath(occ);
      const std::string commit = Commit(occ);
      Append(&out, first ? "" : ",", "{\"ruleId\":", JsonString(r.id), ",\"ruleIndex\":", index[f->rule],
             ",\"level\":\"error\",\"message\":{\"text\":", JsonString(Message(*f, r, o)),
             "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":",
             JsonString(UriReference(path)),
             "},\"region\":{\"startLine\":", occ.line, ",\"startColumn\":", occ.column,
             ",\"endLine\":", occ.line, ",\"endColumn\":", occ.column + f->secret.size(), "}}}],",
             "\"partialFingerprints\":{\"keysweepFingerprint/v1\":\"", f->fingerprint,
             "\",\"keysweepLocation/v1\":\"", Sha256Hex(Cat(f->fingerprint, "\n", path, "\n", occ.line)), "\"}",
             ",\"properties\":{\"fingerprint\":\"", f->fingerprint, "\",\"occurrenceCount\":", f->occurrence_count);
      if (f->verification) Append(&out, ",\"verification\":\"", VerifyStatusName(f->verification->status), "\"");
      if (occ.prov->kind == Provenance::Kind::kGitTagMessage) {
        const GitTag& t = occ.prov->tag;
        if (!commit.empty()) Append(&out, ",\"commit\":", JsonString(commit));
        Append(&out, ",\"tag\":", JsonString(t.name), ",\"tagObject\":", JsonString(t.id),
               ",\"tagger\":", JsonString(t.tagger_name), ",\"email\":", JsonString(t.tagger_email),
               ",\"date\":", JsonString(t.time != 0 ? IsoTime(t.time) : ""));
      } else if (!commit.empty()) {
        const GitIntroduction& g = occ.prov->introductions.front();
        Append(&out, ",\"commit\":", JsonString(commit), ",\"author\":", JsonString(g.author_name),
               ",\"email\":", JsonString(g.author_email), ",\"date\":", JsonString(IsoTime(g.time)));
      }
      if (occ.prov->kind == Provenance::Kind::kWarcRecord) {
        Append(&out, ",\"recordOffset\":", occ.prov->record_offset, ",\"recordId\":", JsonString(occ.prov->record_id),
               ",\"targetUri\":", JsonString(occ.prov->target_uri));
      }
      out += "}}";
      first = false;
    }
  }
  out += "]}]}\n";
  return out;
}

std::string FormatGithub(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                         const ReportOptions& o) {
  std::string out;
  for (const Finding* f : findings) {
    const Rule& r = rules[f->rule];
    const size_t n = std::min(f->occurrences.size(), o.max_occurrences);
    for (size_t i = 0; i < n; ++i) {
      const Occurrence& occ = f->occurrences[i];
      std::string msg = Message(*f, r, o);
      const std::string c = Commit(occ);
      if (occ.prov->kind == Provenance::Kind::kGitTagMessage) {
        Append(&msg, " in tag ", occ.prov->tag.name, c.empty() ? "" : " on commit ", c.substr(0, 12));
      } else if (!c.empty()) {
        Append(&msg, " in commit ", c.substr(0, 12));
      }
      Append(&out, "::error file=", GhProp(OccurrencePath(occ)), ",line=", occ.line, ",col=", occ.column,
             ",endColumn=", occ.column + f->secret.size(), ",title=", GhProp(Cat("keysweep: ", r.id)), "::",
             GhData(msg), "\n");
    }
  }
  return out;
}

std::string FormatJunit(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& o) {
  std::string cases;
  size_t tests = 0;
  for (const Finding* f : findings) {
    const Rule& r = rules[f->rule];
    const size_t n = std::min(f->occurrences.size(), o.max_occurrences);
    for (size_t i = 0; i < n; ++i) {
      const Occurrence& occ = f->occurrences[i];
      const std::string where = Cat(OccurrencePath(occ), ":", occ.line, ":", occ.column);
      Append(&cases, "  <testcase classname=\"keysweep.", Xml(r.id), "\" name=\"", Xml(where), "\">\n",
             "    <failure type=\"", Xml(r.id), "\" message=\"", Xml(Message(*f, r, o)), "\">", Xml(where),
             " fingerprint ", f->fingerprint, "</failure>\n  </testcase>\n");
      ++tests;
    }
  }
  const size_t failures = tests;
  if (tests == 0) {
    cases = "  <testcase classname=\"keysweep\" name=\"no secrets found\"/>\n";
    tests = 1;
  }
  return Cat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"keysweep\" tests=\"", tests,
             "\" failures=\"", failures, "\">\n <testsuite name=\"keysweep\" tests=\"", tests, "\" failures=\"",
             failures, "\">\n", cases, " </testsuite>\n</testsuites>\n");
}

}  // namespace keysweep
