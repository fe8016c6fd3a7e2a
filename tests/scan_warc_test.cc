// "keysweep scan" recognises WARC archives by content and reports record provenance.
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tests/warc_test_util.h"

namespace keysweep {
namespace {

std::string Record(const std::string& uri, const std::string& body) {
  const std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body;
  return "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:12345678-0000-0000-0000-000000000001>\r\n"
         "WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: " + uri +
         "\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: " + std::to_string(http.size()) +
         "\r\n\r\n" + http + "\r\n\r\n";
}

TEST(ScanWarc, ArchivesFoundByContentGiveRecordProvenance) {
  testing::TempDir d;
  const std::string rules = d.Write("acme.toml", testing::kAcmeRuleToml);
  const std::string first = Record("https://example.com/a", "<html>nothing here</html>");
  const std::string second = Record("https://example.com/app.js", std::string("var k = '") + testing::kAcmeSecret + "';\n");
  // Per-record gzip members, under a name that does not say WARC.
  d.Write("crawl/archive.bin", warc::testing::Gzip(first) + warc::testing::Gzip(second));
  d.Write("crawl/plain.txt", std::string("token ") + testing::kAcmeSecret + "\n");
  auto r = testing::RunKeysweep({"scan", "--no-builtin-rules", "--rules", rules, "--format", "json", (d.path() / "crawl").string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"source\":\"warc\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"record_offset\":" + std::to_string(warc::testing::Gzip(first).size())), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"target_uri\":\"https://example.com/app.js\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"source\":\"file\""), std::string::npos) << r.out;  // the plain file too
  EXPECT_NE(r.out.find("\"occurrence_count\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 warc files found by content"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keysweep
