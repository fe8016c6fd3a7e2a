// `keysweep warc` end to end: the built binary finds every planted secret of a generated archive
// with the record offset, id and URI of its label, through files and through a manifest.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/warc_test_util.h"

namespace keysweep::warc {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code;
  std::string out;
};

CliRun Keysweep(const std::string& args) {
  fs::path out = fs::path(::testing::TempDir()) / "keysweep_warc_cli.out";
  std::string cmd = std::string(KEYSWEEP_BIN) + " " + args + " >" + out.string() + " 2>/dev/null";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

using Key = std::tuple<std::string, uint64_t, std::string, std::string>;  // secret, offset, id, uri

std::set<Key> Found(const std::string& jsonl) {
  std::set<Key> found;
  simdjson::dom::parser parser;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element f = parser.parse(line);
    std::string secret{std::string_view(f["secret"])};
    for (simdjson::dom::element o : f["occurrences"]) {
      found.insert({secret, uint64_t(o["record_offset"].get_uint64()),
                    std::string(std::string_view(o["record_id"])),
                    std::string(std::string_view(o["target_uri"]))});
    }
  }
  return found;
}

std::vector<Key> Labels(const fs::path& path) {
  std::vector<Key> labels;
  std::ifstream in(path);
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    labels.push_back({std::string(std::string_view(e["secret"])), uint64_t(e["record_offset"].get_uint64()),
                      std::string(std::string_view(e["record_id"])),
                      std::string(std::string_view(e["target_uri"]))});
  }
  return labels;
}

TEST(WarcCli, FindsEveryPlantedSecretWithItsRecord) {
  fs::path dir = fs::path(::testing::TempDir()) / "keysweep_warc_cli";
  fs::create_directories(dir);
  fs::path gz = dir / "e.warc.gz", zst = dir / "e.warc.zst";
  const char* gen = "python3 " KEYSWEEP_SOURCE_DIR "/corpus/gen_warc.py --records 120 --secret-rate 0.4 "
                    "--chunked-rate 0.3 --gzip-payload-rate 0.3 --out ";
  if (std::system((std::string(gen) + gz.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "python3 missing";
  bool have_zstd = std::system((std::string(gen) + zst.string() + " 2>/dev/null").c_str()) == 0;

  CliRun r = Keysweep("warc --format jsonl --no-redact --cache-dir none " + gz.string());
  EXPECT_EQ(r.exit_code, 1);
  std::set<Key> found = Found(r.out);
  std::vector<Key> labels = Labels(gz.string() + ".labels.jsonl");
  ASSERT_GT(labels.size(), 20u);
  for (const Key& k : labels) EXPECT_TRUE(found.count(k)) << std::get<0>(k) << " @" << std::get<1>(k);

  // The same through stdin.
  CliRun in = Keysweep("warc --format jsonl --no-redact --cache-dir none - < " + gz.string());
  std::set<Key> via_stdin = Found(in.out);
  for (const Key& k : labels) EXPECT_TRUE(via_stdin.count(k)) << "stdin: " << std::get<0>(k);

  if (have_zstd) {
    // Both files through a manifest, read on two reader threads.
    fs::path list = dir / "paths.txt";
    std::ofstream(list) << gz.filename().string() << "\n" << zst.filename().string() << "\n";
    CliRun m = Keysweep("warc --format jsonl --no-redact --cache-dir none --readers 2 --manifest " +
                     list.string() + " --prefix " + dir.string());
    std::set<Key> both = Found(m.out);
    for (const Key& k : labels) EXPECT_TRUE(both.count(k));
    for (const Key& k : Labels(zst.string() + ".labels.jsonl")) EXPECT_TRUE(both.count(k));
  }
}

TEST(WarcCli, HelpAndUsageErrors) {
  CliRun h = Keysweep("warc --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("Usage: keysweep warc"), std::string::npos);
  EXPECT_EQ(Keysweep("warc").exit_code, 2);
  EXPECT_EQ(Keysweep("warc --no-such-flag x.warc").exit_code, 2);
  EXPECT_EQ(Keysweep("warc --manifest /nonexistent/list").exit_code, 2);
}

}  // namespace
}  // namespace keysweep::warc
