// Files from corpus/gen_warc.py: every planted secret comes out of the source in a chunk of the
// right record, with the record offset and target URI of its label; the multi-file parallel source
// delivers the same; stdin, manifests and content sniffing work.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/sources/warc/warc_source.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/warc_test_util.h"

namespace keysweep::warc {
namespace {

namespace fs = std::filesystem;

struct Label {
  uint64_t record_offset;
  std::string record_id, target_uri, secret, encoding;
};

fs::path TempDir() {
  fs::path d = fs::path(::testing::TempDir()) / "keysweep_warc_corpus";
  fs::create_directories(d);
  return d;
}

// Runs the generator; returns false (and the test skips) if python3 or zstd is missing.
bool Generate(const fs::path& out, const std::string& flags) {
  if (std::system("python3 -c 1 >/dev/null 2>&1") != 0) return false;
  if (out.extension() == ".zst" && std::system("zstd --version >/dev/null 2>&1") != 0) return false;
  std::string cmd = "python3 " KEYSWEEP_SOURCE_DIR "/corpus/gen_warc.py --out " + out.string() +
                    " " + flags + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

std::vector<Label> ReadLabels(const fs::path& path) {
  std::vector<Label> labels;
  std::ifstream in(path);
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    labels.push_back({uint64_t(e["record_offset"].get_uint64()),
                      std::string(std::string_view(e["record_id"])),
                      std::string(std::string_view(e["target_uri"])),
                      std::string(std::string_view(e["secret"])),
                      std::string(std::string_view(e["http_encoding"]))});
  }
  return labels;
}

// record id -> accepted text of that record (all its chunks).
std::map<std::string, std::pair<ProvenancePtr, std::string>> ByRecord(ChunkSource& src) {
  std::map<std::string, std::pair<ProvenancePtr, std::string>> m;
  Chunk c;
  while (src.Next(&c)) {
    auto& [prov, text] = m[c.prov->record_id];
    prov = c.prov;
    text += c.data.substr(c.accept_begin, c.accept_end - c.accept_begin);
  }
  return m;
}

void ExpectAllPlantedFound(const fs::path& file, const std::string& flags, WarcOptions options = {}) {
  SCOPED_TRACE(file.string());
  if (!Generate(file, flags)) GTEST_SKIP() << "python3 or zstd missing";
  std::vector<Label> labels = ReadLabels(file.string() + ".labels.jsonl");
  ASSERT_GT(labels.size(), 10u);
  ScanStats stats;
  stats.set_quiet(true);
  WarcFileReader reader(file.string(), options, &stats);
  auto records = ByRecord(reader);
  EXPECT_EQ(stats.error_count(), 0u);
  std::set<std::string> encodings;
  for (const Label& l : labels) {
    auto it = records.find(l.record_id);
    ASSERT_NE(it, records.end()) << l.record_id;
    EXPECT_NE(it->second.second.find(l.secret), std::string::npos)
        << l.secret << " (" << l.encoding << ") in " << l.record_id;
    EXPECT_EQ(it->second.first->record_offset, l.record_offset) << l.record_id;
    EXPECT_EQ(it->second.first->target_uri, l.target_uri);
    encodings.insert(l.encoding);
  }
  if (flags.find("chunked-rate") != std::string::npos) {
    EXPECT_TRUE(encodings.count("chunked"));
    EXPECT_TRUE(encodings.count("gzip+chunked"));
  }
}

TEST(WarcCorpus, PerRecordGzipWithEncodedPayloads) {
  ExpectAllPlantedFound(TempDir() / "g.warc.gz",
                        "--records 150 --secret-rate 0.4 --chunked-rate 0.4 --gzip-payload-rate 0.4");
}

TEST(WarcCorpus, PerRecordGzipSmallReadsAndChunks) {
  // Tiny raw reads and chunks exercise every refill and chunk boundary.
  WarcOptions o;
  o.in_buffer = 97;
  o.chunk_size = 4096;
  o.overlap = 256;
  ExpectAllPlantedFound(TempDir() / "s.warc.gz", "--records 60 --secret-rate 0.5 --seed 5", o);
}

TEST(WarcCorpus, WholeFileGzip) {
  fs::path f = TempDir() / "w.warc.gz";
  if (!Generate(f, "--records 80 --secret-rate 0.5 --whole-file-gzip --seed 3"))
    GTEST_SKIP() << "python3 missing";
  std::vector<Label> labels = ReadLabels(f.string() + ".labels.jsonl");
  ScanStats stats;
  stats.set_quiet(true);
  WarcFileReader reader(f.string(), {}, &stats);
  auto records = ByRecord(reader);
  for (const Label& l : labels)
    EXPECT_NE(records[l.record_id].second.find(l.secret), std::string::npos);
  EXPECT_EQ(stats.counters()["warc records"], 80u * 3 + 1);
}

TEST(WarcCorpus, PlainWarc) {
  ExpectAllPlantedFound(TempDir() / "p.warc", "--records 100 --secret-rate 0.4 --chunked-rate 0.3 --gzip-payload-rate 0.3 --seed 9");
}

TEST(WarcCorpus, ZstdWithDictionary) {
  ExpectAllPlantedFound(TempDir() / "d.warc.zst", "--records 150 --secret-rate 0.4 --seed 11");
}

TEST(WarcCorpus, ZstdWithCompressedDictionary) {
  ExpectAllPlantedFound(TempDir() / "c.warc.zst",
                        "--records 150 --secret-rate 0.4 --zstd-compress-dict --seed 12");
}

TEST(WarcCorpus, ZstdWithoutDictionary) {
  ExpectAllPlantedFound(TempDir() / "n.warc.zst", "--records 100 --secret-rate 0.4 --zstd-no-dict --seed 13");
}

TEST(WarcCorpus, LargeRecordStreamsInBoundedChunks) {
  std::string big(40u << 20, 'a');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = '\n';
  big.replace(big.size() - 100, 12, "SECRET_AT_END");
  std::string file = testing::Gzip(testing::Record("resource", big));
  WarcOptions o;
  ScanStats stats;
  stats.set_quiet(true);
  WarcFileReader reader("big.warc.gz", file, o, &stats);
  Chunk c;
  uint64_t next_accept = 0, chunks = 0;
  bool found = false;
  while (reader.Next(&c)) {
    ++chunks;
    EXPECT_LE(c.data.size(), o.chunk_size + 2 * o.overlap);
    EXPECT_EQ(c.offset + c.accept_begin, next_accept);  // accepted ranges tile the record
    next_accept = c.offset + c.accept_end;
    found = found || c.data.find("SECRET_AT_END") != std::string::npos;
  }
  EXPECT_EQ(next_accept, big.size());
  EXPECT_GE(chunks, 40u);
  EXPECT_TRUE(found);
}

TEST(WarcSource, ParallelReadersDeliverEveryFile) {
  fs::path a = TempDir() / "pa.warc.gz", b = TempDir() / "pb.warc";
  if (!Generate(a, "--records 40 --seed 21") || !Generate(b, "--records 30 --seed 22"))
    GTEST_SKIP() << "python3 missing";
  for (int threads : {-1, 1, 2}) {
    ScanStats stats;
    stats.set_quiet(true);
    WarcOptions o;
    o.reader_threads = threads;
    o.queue_chunks = 3;
    auto src = MakeWarcSource({a.string(), b.string(), "/nonexistent.warc"}, o, &stats);
    std::map<std::string, int> per_file;
    Chunk c;
    while (src->Next(&c)) ++per_file[c.prov->path];
    // Request and response of each capture; warc-fields metadata is not scanned.
    EXPECT_EQ(per_file[a.string()], 40 * 2) << threads;
    EXPECT_EQ(per_file[b.string()], 30 * 2) << threads;
    EXPECT_EQ(stats.counters()["warc records"], 40u * 3 + 1 + 30 * 3 + 1);
    EXPECT_EQ(stats.errors()["warc_open"], 1u);
  }
}

TEST(WarcSource, AbandonedParallelSourceShutsDown) {
  fs::path a = TempDir() / "ab.warc.gz";
  if (!Generate(a, "--records 100 --seed 23")) GTEST_SKIP() << "python3 missing";
  ScanStats stats;
  WarcOptions o;
  o.reader_threads = 2;
  o.queue_chunks = 1;
  auto src = MakeWarcSource({a.string(), a.string(), a.string()}, o, &stats);
  Chunk c;
  ASSERT_TRUE(src->Next(&c));
  src.reset();  // must not hang with readers blocked on a full queue
}

TEST(WarcSource, LooksLikeWarc) {
  std::string rec = testing::Record("resource", "x");
  EXPECT_TRUE(LooksLikeWarc(rec));
  EXPECT_TRUE(LooksLikeWarc("WARC/0.18\r\n"));
  EXPECT_TRUE(LooksLikeWarc(testing::Gzip(rec + std::string(20000, 0x41)).substr(0, 4096)));
  EXPECT_TRUE(LooksLikeWarc(testing::Zstd(rec)));
  EXPECT_TRUE(LooksLikeWarc(std::string("\x5d\x2a\x4d\x18\x10\x00\x00\x00", 8)));
  EXPECT_FALSE(LooksLikeWarc("<html>WARC/1.0"));
  EXPECT_FALSE(LooksLikeWarc(testing::Gzip("hello world, not a warc")));
  EXPECT_FALSE(LooksLikeWarc(testing::Zstd("hello world, not a warc")));
  EXPECT_FALSE(LooksLikeWarc(""));
}

TEST(WarcSource, ReadsManifestGzippedWithPrefix) {
  fs::path m = TempDir() / "warc.paths.gz";
  {
    std::ofstream out(m, std::ios::binary);
    out << testing::Gzip("# comment\ncrawl-data/a.warc.gz\n\n/abs/b.warc.gz\n");
  }
  auto paths = ReadManifest(m.string(), "/data/cc/");
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_EQ(*paths, (std::vector<std::string>{"/data/cc/crawl-data/a.warc.gz", "/abs/b.warc.gz"}));
  EXPECT_FALSE(ReadManifest((TempDir() / "missing.txt").string()).ok());
}

TEST(WarcSource, VersionsAndFoldedHeaders) {
  std::string a = testing::Record("resource", "zero eighteen", "u1", "", -1, "WARC/0.18");
  std::string b = testing::Record("resource", "one one", "u2", "X-Folded: a\r\n  continued\r\n", -1,
                                  "WARC/1.1");
  testing::Drained d = testing::DrainBytes(a + b);
  EXPECT_EQ(d.records(), 2u);
  EXPECT_TRUE(d.errors.empty()) << testing::JoinMessages(d);
  EXPECT_EQ(d.chunks.size(), 2u);
}

}  // namespace
}  // namespace keysweep::warc
