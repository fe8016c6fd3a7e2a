// `--format sarif` checked against the official OASIS SARIF 2.1.0 JSON schema
// (tests/data/sarif-schema-2.1.0.json, draft-07; where it comes from: tests/data/SOURCES.md).
// The schema check runs python3-jsonschema (installed by tools/setup) on each output; the checks
// the schema cannot express (one rule descriptor per rule id, ruleIndex pointing at its rule) are
// done here with simdjson.
#include <simdjson.h>
#include <stdio.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/git_test_util.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

using testing::RunKeysweep;
using testing::ShellQuote;
using testing::TempDir;
using testing::TempGitRepo;

// Two rules of our own, so the outputs do not depend on the built-in rule set.
constexpr char kRules[] = R"(
provider = "Acme"
[[rule]]
id = "acme-token"
name = "Acme token"
category = "saas"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
references = ["https://acme.example/docs"]
[[rule]]
id = "zeta-key"
name = "Zeta key"
category = "cloud"
pattern = '''\b(zeta_[a-f0-9]{32})\b'''
)";
constexpr char kAcme1[] = "acme_Zq3Lm9Xw2Rt7Yp4Kd8Vn1Bc6";
constexpr char kAcme2[] = "acme_Nn3Lm9Xw2Rt7Yp4Kd8Vn1Bc6";
constexpr char kZeta[] = "zeta_3f9c2a7d1e8b4c6a0f5d9e2b7c1a4d8e";

// Validates argv[2] (a SARIF log) against argv[1] (the schema) with the draft-07 validator. Of the
// schema's "format" keywords, "uri" and "uri-reference" (artifact locations, rule help links) are
// checked with the RFC 3986 grammar below, so the result does not depend on which optional
// modules jsonschema finds on the machine; "date-time" is not (keysweep writes no such field).
constexpr char kValidator[] = R"PY(
import json, re, sys
import jsonschema

PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)

def uri_reference(s, need_scheme=False):
    scheme, authority, path, query, fragment = PARTS.fullmatch(s).groups()
    if scheme is None:
        if need_scheme:
            return False
    elif not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return False
    if authority is not None and not re.fullmatch(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@\[\]-]|%[0-9A-Fa-f]{2})*", authority):
        return False
    if not re.fullmatch(r"(?:%s|/)*" % PCHAR, path):
        return False
    return all(p is None or re.fullmatch(r"(?:%s|[/?])*" % PCHAR, p) for p in (query, fragment))

formats = jsonschema.FormatChecker(formats=())
formats.checks("uri")(lambda s: not isinstance(s, str) or uri_reference(s, need_scheme=True))
formats.checks("uri-reference")(lambda s: not isinstance(s, str) or uri_reference(s))

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
with open(sys.argv[2], "rb") as f:
    log = json.loads(f.read().decode("utf-8"))
validator = jsonschema.Draft7Validator(schema, format_checker=formats)
errors = sorted(validator.iter_errors(log), key=lambda e: [str(p) for p in e.absolute_path])
for e in errors:
    where = "/".join(str(p) for p in e.absolute_path) or "(root)"
    print("%s: %s [schema: %s]" % (where, e.message[:300], "/".join(str(p) for p in e.absolute_schema_path)))
print("%d schema error(s)" % len(errors))
sys.exit(1 if errors else 0)
)PY";

struct Shell {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

Shell RunShell(const std::string& cmd) {
  Shell r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The Debian interpreter first: python3-jsonschema installs into it, whatever python3 is on PATH.
std::string Python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

// Writes `sarif` to a file and validates it against the shipped schema.
void ExpectValidSarif(const std::string& sarif, const std::string& what) {
  TempDir dir;
  const std::string file = dir.Write("out.sarif", sarif);
  const std::string schema = std::string(KEYSWEEP_SOURCE_DIR) + "/tests/data/sarif-schema-2.1.0.json";
  ASSERT_TRUE(std::filesystem::exists(schema)) << schema;
  const Shell v = RunShell(Python() + " -c " + ShellQuote(kValidator) + " " + ShellQuote(schema) + " " +
                           ShellQuote(file));
  EXPECT_EQ(v.exit_code, 0) << what << ": not valid SARIF 2.1.0 (if jsonschema is missing, run tools/setup)\n"
                            << v.out << "\noutput was:\n" << sarif;
}

// One reportingDescriptor per rule id, and every result's ruleIndex names the rule of its ruleId.
// Returns the results' (ruleId, uri) pairs.
std::vector<std::pair<std::string, std::string>> CheckRuleIndexes(const std::string& sarif) {
  std::vector<std::pair<std::string, std::string>> seen;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_FALSE(parser.parse(sarif).get(root)) << sarif;
  simdjson::dom::array runs;
  EXPECT_FALSE(root["runs"].get(runs)) << sarif;
  EXPECT_EQ(runs.size(), 1u);
  for (simdjson::dom::element run : runs) {
    simdjson::dom::array rules, results;
    EXPECT_FALSE(run["tool"]["driver"]["rules"].get(rules)) << sarif;
    EXPECT_FALSE(run["results"].get(results)) << "results must be present, even when empty: " << sarif;
    std::vector<std::string> ids;
    std::set<std::string> unique;
    for (simdjson::dom::element rule : rules) {
      std::string_view id;
      EXPECT_FALSE(rule["id"].get(id));
      ids.emplace_back(id);
      EXPECT_TRUE(unique.insert(std::string(id)).second) << "duplicate rule descriptor " << id;
    }
    for (simdjson::dom::element res : results) {
      std::string_view rule_id, uri;
      int64_t index = -1;
      EXPECT_FALSE(res["ruleId"].get(rule_id));
      EXPECT_FALSE(res["ruleIndex"].get(index));
      EXPECT_FALSE(res["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"].get(uri));
      const bool in_range = index >= 0 && index < static_cast<int64_t>(ids.size());
      EXPECT_TRUE(in_range) << "ruleIndex " << index << " of " << rule_id << " is outside the " << ids.size()
                            << " rules";
      if (in_range) {
        EXPECT_EQ(ids[index], rule_id) << "ruleIndex " << index;
      }
      seen.emplace_back(rule_id, uri);
    }
  }
  return seen;
}

// Undoes RFC 3986 percent-encoding.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

constexpr char kOddPath[] = "dir with spaces/na\xC3\xAFve \xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87 #1%.env";

TEST(SarifSchema, ScanWithFindingsInOddPathsIsValid) {
  TempDir dir;
  const std::string rules = dir.Write("rules.toml", kRules);
  dir.Write("tree/a.py", std::string("K = '") + kAcme1 + "'\n");
  dir.Write("tree/sub/c.env", std::string("X=") + kAcme1 + "\nY=" + kAcme2 + "\n");
  // Spaces, non-ASCII (UTF-8) and URI delimiters in folder and file names.
  dir.Write(std::string("tree/") + kOddPath, std::string("ZETA=") + kZeta + "\nACME=" + kAcme2 + "\n");
  // As in CI: run in the checkout, so locations are relative paths.
  auto s = RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "--format", "sarif", "--cache-dir", "none", "."},
                       "", (dir.path() / "tree").string());
  ASSERT_EQ(s.exit_code, 1) << s.err;
  ExpectValidSarif(s.out, "scan with findings");

  const auto results = CheckRuleIndexes(s.out);
  EXPECT_EQ(results.size(), 5u) << s.out;  // 2 + 2 occurrences of the acme tokens, 1 of zeta
  std::map<std::string, int> per_rule, per_path;
  for (const auto& [rule, uri] : results) {
    ++per_rule[rule];
    ++per_path[PercentDecode(uri)];
  }
  EXPECT_EQ(per_rule["acme-token"], 4);
  EXPECT_EQ(per_rule["zeta-key"], 1);
  // Each uri decodes back to the exact path.
  EXPECT_EQ(per_path, (std::map<std::string, int>{{"a.py", 1}, {"sub/c.env", 2}, {kOddPath, 2}})) << s.out;
}

TEST(SarifSchema, CleanScanIsValidWithEmptyResults) {
  TempDir dir;
  const std::string rules = dir.Write("rules.toml", kRules);
  dir.Write("tree/readme.md", "nothing to see: acme_short, zeta_xyz\n");
  auto s = RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "--format", "sarif", "--cache-dir", "none",
                        (dir.path() / "tree").string()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ExpectValidSarif(s.out, "clean scan");
  EXPECT_TRUE(CheckRuleIndexes(s.out).empty()) << s.out;
}

TEST(SarifSchema, GitHistoryScanIsValidAndCarriesCommits) {
  TempDir dir;
  const std::string rules = dir.Write("rules.toml", kRules);
  TempGitRepo repo;
  repo.Write("app.py", "print('hello')\n");
  repo.Commit("initial", 1600000000);
  repo.Write("config/s\xC3\xA9" "cret file.env", std::string("TOKEN=") + kAcme1 + "\n");
  repo.Write("keys.txt", std::string("zeta: ") + kZeta + "\n");
  const std::string commit = repo.Commit("add config", 1600000100);

  auto s = RunKeysweep({"git", "--no-builtin-rules", "--rules", rules, "--format", "sarif", "--cache-dir", "none",
                        repo.path()});
  ASSERT_EQ(s.exit_code, 1) << s.err;
  ExpectValidSarif(s.out, "git history scan");
  std::set<std::string> paths;
  for (const auto& [rule, uri] : CheckRuleIndexes(s.out)) paths.insert(PercentDecode(uri));
  EXPECT_EQ(paths, (std::set<std::string>{"config/s\xC3\xA9" "cret file.env", "keys.txt"})) << s.out;

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(s.out).get(root));
  simdjson::dom::array results;
  ASSERT_FALSE(root["runs"].at(0)["results"].get(results));
  for (simdjson::dom::element res : results) {
    std::string_view c, author;
    EXPECT_FALSE(res["properties"]["commit"].get(c)) << s.out;
    EXPECT_EQ(c, commit);
    EXPECT_FALSE(res["properties"]["author"].get(author));
    EXPECT_EQ(author, "Ada Lovelace");
  }
}

TEST(SarifSchema, GitTagMessageFindingIsValidAndNamesTheTag) {
  TempDir dir;
  const std::string rules = dir.Write("rules.toml", kRules);
  TempGitRepo repo;
  repo.Write("app.py", "print('hello')\n");
  const std::string commit = repo.Commit("initial", 1600000000);
  repo.Git("tag -a 'release/1.0' " + commit + " -m " + ShellQuote(std::string("notes\ntoken ") + kAcme1), 1600000100);

  auto s = RunKeysweep({"git", "--no-builtin-rules", "--rules", rules, "--format", "sarif", "--cache-dir", "none",
                        repo.path()});
  ASSERT_EQ(s.exit_code, 1) << s.err;
  ExpectValidSarif(s.out, "git tag message");
  const auto results = CheckRuleIndexes(s.out);
  ASSERT_EQ(results.size(), 1u) << s.out;
  EXPECT_EQ(PercentDecode(results[0].second), "TAG_MSG/release/1.0");

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(s.out).get(root));
  simdjson::dom::element props = root["runs"].at(0)["results"].at(0)["properties"];
  std::string_view c, tag, tagger;
  EXPECT_FALSE(props["commit"].get(c)) << s.out;
  EXPECT_EQ(c, commit);
  EXPECT_FALSE(props["tag"].get(tag));
  EXPECT_EQ(tag, "release/1.0");
  EXPECT_FALSE(props["tagger"].get(tagger));
  EXPECT_EQ(tagger, "Ada Lovelace");
}

}  // namespace
}  // namespace keysweep
