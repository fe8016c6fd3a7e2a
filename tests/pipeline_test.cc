#include "engine/pipeline.h"

#include <random>
#include <set>
#include <tuple>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

constexpr char kRules[] = R"(
provider = "T"
[[rule]]
id = "tok"
pattern = '''\b(tok_[A-Za-z0-9]{20})\b'''
max_length = 32
)";

// Feeds one object through a StreamChunker in pieces of random size.
class ChunkedSource : public ChunkSource {
 public:
  ChunkedSource(std::string data, size_t chunk, size_t overlap, uint32_t seed)
      : data_(std::move(data)), chunker_(chunk, overlap), rng_(seed) {
    auto p = std::make_shared<Provenance>();
    p->path = "mem";
    chunker_.Begin(p);
  }
  bool Next(Chunk* c) override {
    while (true) {
      if (chunker_.Pop(c)) { ++chunks_; return true; }
      if (pos_ >= data_.size()) {
        if (finished_) return false;
        chunker_.Finish();
        finished_ = true;
        continue;
      }
      size_t n = std::uniform_int_distribution<size_t>(1, 97)(rng_);
      chunker_.Feed(std::string_view(data_).substr(pos_, n));
      pos_ += std::min(n, data_.size() - pos_);
    }
  }
  int chunks() const { return chunks_; }

 private:
  std::string data_;
  StreamChunker chunker_;
  std::mt19937 rng_;
  size_t pos_ = 0;
  bool finished_ = false;
  int chunks_ = 0;
};

using Loc = std::tuple<std::string, uint64_t, uint64_t, uint64_t>;  // secret, offset, line, column

std::set<Loc> Expected(const std::string& data) {
  std::set<Loc> out;
  uint64_t line = 1, col = 1;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data.compare(i, 4, "tok_") == 0 && (i == 0 || !isalnum(static_cast<unsigned char>(data[i - 1])))) {
      size_t j = i + 4;
      while (j < data.size() && isalnum(static_cast<unsigned char>(data[j]))) ++j;
      if (j - i - 4 == 20) out.insert({data.substr(i, 24), i, line, col});
    }
    if (data[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return out;
}

std::set<Loc> Found(const FindingSet& set) {
  std::set<Loc> out;
  for (const Finding* f : set.Sorted({"tok"}))
    for (const auto& o : f->occurrences) out.insert({f->secret, o.offset, o.line, o.column});
  return out;
}

std::string RandomText(uint32_t seed, size_t n) {
  std::mt19937 rng(seed);
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  while (s.size() < n) {
    int r = std::uniform_int_distribution<int>(0, 99)(rng);
    if (r < 4) {
      s += " tok_";
      for (int i = 0; i < 20; ++i) s += kAlnum[rng() % 62];
      s += (rng() & 1) ? " " : "\n";
    } else if (r < 15) {
      s += '\n';
    } else if (r < 30) {
      s += ' ';
    } else {
      s += kAlnum[rng() % 62];
    }
  }
  return s;
}

TEST(Pipeline, ChunkedScanFindsEverySecretOnceWithExactPositions) {
  auto m = Matcher::Create(testing::RulesFromToml(kRules));
  ASSERT_TRUE(m.ok());
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    const std::string text = RandomText(seed, 5000);
    const auto expected = Expected(text);
    ASSERT_GT(expected.size(), 10u);
    ChunkedSource src(text, 100, 40, seed);
    FindingSet set;
    ScanStats stats;
    PipelineOptions po;
    po.threads = 2;
    po.tokens = 3;
    RunPipeline(src, **m, &set, &stats, po);
    EXPECT_GT(src.chunks(), 20);
    EXPECT_EQ(Found(set), expected) << "seed " << seed;
    EXPECT_EQ(set.occurrence_count(), expected.size()) << "seed " << seed;  // nothing twice
  }
}

TEST(Pipeline, InlineAllowMarkersSuppressAndAreCounted) {
  auto m = Matcher::Create(testing::RulesFromToml(kRules));
  ASSERT_TRUE(m.ok());
  const std::string text =
      "a = tok_AAAAAAAAAAAAAAAAAAAA  # keysweep:allow\n"
      "b = tok_BBBBBBBBBBBBBBBBBBBB  // gitleaks:allow\n"
      "c = tok_CCCCCCCCCCCCCCCCCCCC  # pragma: allowlist secret\n"
      "// keysweep:allow-next-line\n"
      "d = tok_DDDDDDDDDDDDDDDDDDDD\n"
      "e = tok_EEEEEEEEEEEEEEEEEEEE  # keysweep:allow-next-line\n"
      "f = tok_FFFFFFFFFFFFFFFFFFFF\n";
  ChunkedSource src(text, 1 << 20, 64, 1);
  FindingSet set;
  ScanStats stats;
  RunPipeline(src, **m, &set, &stats);
  std::set<std::string> secrets;
  for (const Finding* f : set.Sorted({"tok"})) secrets.insert(f->secret);
  EXPECT_EQ(secrets, (std::set<std::string>{"tok_EEEEEEEEEEEEEEEEEEEE"}));
  EXPECT_EQ(stats.counters().at("suppressed: inline allow"), 5u);
}

TEST(StreamChunker, BoundedChunksTileTheObject) {
  StreamChunker c(1000, 100);
  c.Begin(std::make_shared<Provenance>());
  std::string data(10000, 'x');
  for (size_t i = 0; i < data.size(); i += 37) data[i] = '\n';
  c.Feed(data);
  c.Finish();
  Chunk ch;
  uint64_t covered = 0;
  int n = 0;
  while (c.Pop(&ch)) {
    ++n;
    EXPECT_LE(ch.data.size(), 1200u);
    // Accepted ranges tile the object exactly.
    EXPECT_EQ(ch.offset + ch.accept_begin, covered);
    covered = ch.offset + ch.accept_end;
    EXPECT_EQ(std::string_view(data).substr(ch.offset, ch.data.size()), ch.data);
    uint64_t lines = 1 + std::count(data.begin(), data.begin() + static_cast<long>(ch.offset), '\n');
    EXPECT_EQ(ch.line_at_start, lines);
  }
  EXPECT_EQ(covered, data.size());
  EXPECT_EQ(n, 10);
}

}  // namespace
}  // namespace keysweep
