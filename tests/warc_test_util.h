// Helpers for the WARC tests: build records in memory, compress them, drain a reader.
#pragma once
#include <zlib.h>
#include <zstd.h>

#include <map>
#include <string>
#include <vector>

#include "engine/scan_stats.h"
#include "engine/sources/warc/warc_reader.h"

namespace keysweep::warc::testing {

inline std::string Record(const std::string& type, const std::string& block,
                          const std::string& uri = "http://example.com/",
                          const std::string& extra_headers = "", long content_length = -1,
                          const std::string& version = "WARC/1.0") {
  std::string ctype = type == "response" || type == "request"
                          ? "application/http; msgtype=" + type
                          : "text/plain";
  return version + "\r\nWARC-Type: " + type + "\r\nWARC-Record-ID: <urn:uuid:" + type + "-" +
         std::to_string(block.size()) + ">\r\nWARC-Target-URI: " + uri +
         "\r\nWARC-Date: 2024-05-18T01:58:10Z\r\nContent-Type: " + ctype + "\r\n" + extra_headers +
         "Content-Length: " +
         std::to_string(content_length >= 0 ? static_cast<size_t>(content_length) : block.size()) +
         "\r\n\r\n" + block + "\r\n\r\n";
}

inline std::string HttpResponse(const std::string& body, const std::string& headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + headers + "\r\n" + body;
}

inline std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

struct Drained {
  std::vector<Chunk> chunks;
  std::map<std::string, uint64_t> counters;
  std::map<std::string, uint64_t> errors;
  std::vector<std::string> messages;
  uint64_t records() { return counters["warc records"]; }
  uint64_t broken() { return counters["warc records broken"]; }
  // Concatenated chunk bytes of the records of type `type` (accepted ranges only).
  std::string Text(const std::string& type = "") const {
    std::string s;
    for (const Chunk& c : chunks)
      if (type.empty() || c.prov->record_type == type)
        s += c.data.substr(c.accept_begin, c.accept_end - c.accept_begin) + "\n";
    return s;
  }
};

inline Drained DrainBytes(const std::string& bytes, WarcOptions options = {},
                          const std::string& name = "test.warc") {
  ScanStats stats;
  stats.set_quiet(true);
  WarcFileReader reader(name, bytes, options, &stats);
  Drained d;
  Chunk c;
  while (reader.Next(&c)) d.chunks.push_back(std::move(c));
  d.counters = stats.counters();
  d.errors = stats.errors();
  d.messages = stats.error_messages();
  return d;
}

inline std::string JoinMessages(const Drained& d) {
  std::string s;
  for (const std::string& m : d.messages) s += m + "\n";
  return s;
}

}  // namespace keysweep::warc::testing
