// One test per kind of bad input: each is reported with file and offset, the reader resyncs and
// reads every whole record after it, and nothing crashes or hangs.
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/warc_test_util.h"

namespace keysweep::warc {
namespace {

using testing::Drained;
using testing::DrainBytes;
using testing::Gzip;
using testing::HttpResponse;
using testing::JoinMessages;
using testing::Record;
using ::testing::HasSubstr;

std::string Three(std::string* r0 = nullptr) {
  std::string a = Record("response", HttpResponse("first SECRET_ONE body"), "http://a.example/");
  if (r0) *r0 = a;
  return a + Record("response", HttpResponse("second SECRET_TWO body"), "http://b.example/") +
         Record("resource", "third SECRET_THREE body", "http://c.example/");
}

TEST(WarcMalformed, CleanBaseline) {
  Drained d = DrainBytes(Three());
  EXPECT_EQ(d.records(), 3u);
  EXPECT_EQ(d.broken(), 0u);
  EXPECT_TRUE(d.errors.empty()) << JoinMessages(d);
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_THREE"));
}

TEST(WarcMalformed, TruncatedGzipMember) {
  std::string a = Record("response", HttpResponse("one SECRET_ONE"));
  std::string b = Record("response", HttpResponse("two SECRET_TWO " + std::string(5000, 'x')));
  std::string ga = Gzip(a), gb = Gzip(b);
  Drained d = DrainBytes(ga + gb.substr(0, gb.size() / 2), {}, "t.warc.gz");
  EXPECT_EQ(d.records(), 1u);
  EXPECT_EQ(d.broken(), 1u);
  EXPECT_EQ(d.errors["warc_gzip_truncated"], 1u) << JoinMessages(d);
  EXPECT_THAT(JoinMessages(d), HasSubstr("t.warc.gz: gzip member at offset " + std::to_string(ga.size())));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_ONE"));
}

TEST(WarcMalformed, TruncatedZstdFrame) {
  std::string a = testing::Zstd(Record("response", HttpResponse("one SECRET_ONE")));
  std::string b = testing::Zstd(Record("response", HttpResponse("two SECRET_TWO " + std::string(5000, 'x'))));
  Drained d = DrainBytes(a + b.substr(0, b.size() / 2), {}, "t.warc.zst");
  EXPECT_EQ(d.records(), 1u);  // zstd yields nothing of a cut block, so no partial record is seen
  EXPECT_EQ(d.errors["warc_zstd_truncated"], 1u) << JoinMessages(d);
  EXPECT_THAT(JoinMessages(d), HasSubstr("zstd frame at offset " + std::to_string(a.size())));
}

TEST(WarcMalformed, CorruptZstdFrame) {
  std::string a = testing::Zstd(Record("response", HttpResponse("one SECRET_ONE " + std::string(3000, 'q'))));
  std::string b = testing::Zstd(Record("response", HttpResponse("two SECRET_TWO")));
  std::string c = testing::Zstd(Record("response", HttpResponse("three SECRET_THREE")));
  for (size_t i = 8; i < b.size(); i += 2) b[i] = static_cast<char>(b[i] ^ 0x5a);
  Drained d = DrainBytes(a + b + c, {}, "c.warc.zst");
  EXPECT_GE(d.errors["warc_zstd_corrupt"], 1u) << JoinMessages(d);
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_ONE"));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_THREE"));
  EXPECT_EQ(d.chunks.back().prov->record_offset, a.size() + b.size());
}

TEST(WarcMalformed, RecordCutShort) {
  std::string all = Three();
  Drained d = DrainBytes(all.substr(0, all.size() - 6));
  EXPECT_EQ(d.records(), 2u);
  EXPECT_EQ(d.broken(), 1u);
  EXPECT_EQ(d.errors["warc_truncated"], 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("is cut short"));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_THREE"));  // what there is of it is still scanned
}

TEST(WarcMalformed, ContentLengthTooShort) {
  std::string block = HttpResponse("first SECRET_ONE body");
  std::string bad = Record("response", block, "http://a.example/", "", block.size() - 5);
  std::string rest = Record("response", HttpResponse("second SECRET_TWO"), "http://b.example/");
  Drained d = DrainBytes(bad + rest);
  EXPECT_EQ(d.records(), 2u);
  EXPECT_EQ(d.errors["warc_resync"], 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("Content-Length"));
  EXPECT_THAT(JoinMessages(d), HasSubstr("at offset " + std::to_string(bad.size() - 4 - 5)));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_TWO"));
}

TEST(WarcMalformed, ContentLengthTooLongInPerRecordGzip) {
  std::string block = HttpResponse("first SECRET_ONE body");
  std::string a = Gzip(Record("response", block, "http://a.example/", "", block.size() + 400));
  std::string b = Gzip(Record("response", HttpResponse("second SECRET_TWO"), "http://b.example/"));
  std::string c = Gzip(Record("resource", "third SECRET_THREE", "http://c.example/"));
  Drained d = DrainBytes(a + b + c, {}, "x.warc.gz");
  EXPECT_EQ(d.errors["warc_content_length"], 1u) << JoinMessages(d);
  EXPECT_THAT(JoinMessages(d), HasSubstr("next record starts at offset " + std::to_string(a.size())));
  EXPECT_EQ(d.records(), 2u);  // the lying one is counted broken, the two after it are whole
  EXPECT_EQ(d.broken(), 1u);
  ASSERT_EQ(d.chunks.size(), 3u);
  EXPECT_EQ(d.chunks[1].prov->record_offset, a.size());
  EXPECT_EQ(d.chunks[1].prov->target_uri, "http://b.example/");
  EXPECT_EQ(d.chunks[2].prov->record_offset, a.size() + b.size());
}

TEST(WarcMalformed, ContentLengthTooLongInPlainFile) {
  std::string block = HttpResponse("first SECRET_ONE body");
  std::string a = Record("response", block, "http://a.example/", "", block.size() + 40);
  std::string b = Record("response", HttpResponse("second SECRET_TWO"), "http://b.example/");
  std::string c = Record("resource", "third SECRET_THREE", "http://c.example/");
  Drained d = DrainBytes(a + b + c);
  // The swallowed start of b cannot be told from payload in a plain file; the reader resyncs
  // and reads c.
  EXPECT_GE(d.errors["warc_resync"], 1u);
  EXPECT_THAT(d.Text("resource"), HasSubstr("SECRET_THREE"));
}

TEST(WarcMalformed, GarbageBetweenRecords) {
  std::string r0;
  std::string all = Three(&r0);
  std::string garbage("\x00\x01 this is not WARC/ at all\nWARC/ nor this\r\nxx", 46);
  Drained d = DrainBytes(r0 + garbage + all.substr(r0.size()));
  EXPECT_EQ(d.records(), 3u) << JoinMessages(d);
  EXPECT_EQ(d.errors["warc_resync"], 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("test.warc: no WARC record where one should start"));
  EXPECT_THAT(JoinMessages(d), HasSubstr("at offset " + std::to_string(r0.size())));
}

TEST(WarcMalformed, GarbageBetweenGzipMembers) {
  std::string a = Gzip(Record("response", HttpResponse("one SECRET_ONE")));
  std::string b = Gzip(Record("response", HttpResponse("two SECRET_TWO")));
  Drained d = DrainBytes(a + "junk junk junk" + b, {}, "g.warc.gz");
  EXPECT_EQ(d.records(), 2u);
  EXPECT_EQ(d.errors["warc_gzip_garbage"], 1u) << JoinMessages(d);
  EXPECT_THAT(JoinMessages(d), HasSubstr("at offset " + std::to_string(a.size())));
  ASSERT_EQ(d.chunks.size(), 2u);
  EXPECT_EQ(d.chunks[1].prov->record_offset, a.size() + 14);
}

TEST(WarcMalformed, CorruptGzipMember) {
  std::string a = Gzip(Record("response", HttpResponse("one SECRET_ONE " + std::string(3000, 'q'))));
  std::string b = Gzip(Record("response", HttpResponse("two SECRET_TWO")));
  std::string c = Gzip(Record("response", HttpResponse("three SECRET_THREE")));
  for (size_t i = 12; i < b.size() - 8; i += 3) b[i] = static_cast<char>(b[i] ^ 0x5a);
  Drained d = DrainBytes(a + b + c, {}, "c.warc.gz");
  EXPECT_GE(d.errors["warc_gzip_corrupt"] + d.errors["warc_gzip_garbage"], 1u) << JoinMessages(d);
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_ONE"));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_THREE"));
  EXPECT_EQ(d.chunks.back().prov->record_offset, a.size() + b.size());
}

TEST(WarcMalformed, BadHeaderLine) {
  std::string bad = "WARC/1.0\r\nWARC-Type: response\r\nthis line has no colon\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n";
  std::string r0;
  std::string all = Three(&r0);
  Drained d = DrainBytes(r0 + bad + all.substr(r0.size()));
  EXPECT_EQ(d.records(), 3u);
  EXPECT_EQ(d.broken(), 1u);
  EXPECT_EQ(d.errors["warc_bad_header"], 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("bad header line \"this line has no colon\" in record at offset " +
                                         std::to_string(r0.size())));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_TWO"));
}

TEST(WarcMalformed, HeaderCutShortByTheNextRecord) {
  // A record whose header breaks off with a bad line right before the next record's version line.
  std::string bad = "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x>\r\n\x01\x02broken\r\n";
  Drained d = DrainBytes(bad + Three());
  EXPECT_EQ(d.records(), 3u) << JoinMessages(d);
  EXPECT_EQ(d.broken(), 1u);
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_ONE"));
}

TEST(WarcMalformed, UnsupportedContentEncodingIsSkippedAndCounted) {
  std::string rec = Record("response", HttpResponse("\x8b\x01opaque", "Content-Encoding: br\r\n"));
  ScanStats stats;
  stats.set_quiet(true);
  WarcFileReader reader("b.warc", rec, {}, &stats);
  Chunk c;
  std::string text;
  while (reader.Next(&c)) text += c.data;
  EXPECT_THAT(text, HasSubstr("Content-Encoding: br"));  // the header is still scanned
  EXPECT_THAT(text, ::testing::Not(HasSubstr("opaque")));
  EXPECT_EQ(stats.skips().size(), 1u);
}

TEST(WarcMalformed, MissingContentLength) {
  std::string bad = "WARC/1.0\r\nWARC-Type: resource\r\n\r\nhello\r\n\r\n";
  Drained d = DrainBytes(bad + Three());
  EXPECT_EQ(d.records(), 3u);
  EXPECT_EQ(d.broken(), 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("no valid Content-Length"));
}

TEST(WarcMalformed, BrokenChunkedBody) {
  std::string body = "5\r\nhello\r\nZZZ not a size\r\nSECRET_AFTER_BREAK\r\n";
  std::string rec = Record("response", HttpResponse(body, "Transfer-Encoding: chunked\r\n"));
  Drained d = DrainBytes(rec + Three());
  EXPECT_EQ(d.records(), 4u);
  EXPECT_EQ(d.errors["warc_http_chunked"], 1u);
  EXPECT_THAT(JoinMessages(d), HasSubstr("broken chunked body"));
  EXPECT_THAT(JoinMessages(d), HasSubstr("record at offset 0"));
  EXPECT_THAT(d.Text(), HasSubstr("hello"));
  EXPECT_THAT(d.Text(), HasSubstr("SECRET_AFTER_BREAK"));  // the rest is scanned as it stands
}

TEST(WarcMalformed, DecompressionBombIsCapped) {
  std::string body = Gzip(std::string(8 << 20, 'A') + "SECRET_PAST_CAP");
  std::string rec = Record("response", HttpResponse(body, "Content-Encoding: gzip\r\n"));
  WarcOptions o;
  o.max_body = 1 << 20;
  Drained d = DrainBytes(rec + Three(), o);
  EXPECT_EQ(d.counters["warc http bodies capped"], 1u);
  EXPECT_EQ(d.records(), 4u);
  uint64_t response_bytes = 0;
  for (const Chunk& c : d.chunks)
    if (c.prov->record_offset == 0) response_bytes = c.offset + c.data.size();
  EXPECT_LE(response_bytes, (1u << 20) + 200);
  EXPECT_THAT(d.Text(), ::testing::Not(HasSubstr("SECRET_PAST_CAP")));
}

TEST(WarcMalformed, RandomDamageNeverCrashesOrHangs) {
  std::string plain;
  for (int i = 0; i < 20; ++i)
    plain += Record(i % 2 ? "request" : "response",
                    HttpResponse("body " + std::to_string(i) + std::string(i * 37, 'z'),
                                 i % 3 ? "" : "Transfer-Encoding: chunked\r\n"));
  std::string gz, zst;
  for (int i = 0; i < 20; ++i) {
    std::string rec = Record("response", HttpResponse(Gzip("payload " + std::to_string(i)),
                                                      "Content-Encoding: gzip\r\n"));
    gz += Gzip(rec);
    zst += testing::Zstd(rec);
  }
  std::mt19937 rng(7);
  for (const std::string* base : {&plain, &gz, &zst}) {
    for (int round = 0; round < 150; ++round) {
      std::string s = *base;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0: s[at] = static_cast<char>(rng()); break;
          case 1: s.erase(at, rng() % 64); break;
          case 2: s.resize(at); break;
        }
        if (s.empty()) s = "x";
      }
      WarcOptions o;
      o.in_buffer = 1 + rng() % 300;  // refills at arbitrary places
      Drained d = DrainBytes(s, o, "f.warc");
      EXPECT_LE(d.records() + d.broken(), 21u);
    }
  }
}

}  // namespace
}  // namespace keysweep::warc
