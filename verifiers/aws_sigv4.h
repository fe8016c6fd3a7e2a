// AWS Signature Version 4 (HMAC-SHA256 via OpenSSL), enough to sign one request.
// Pure functions; thread-safe.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keysweep::verify {

struct SigV4Request {
  std::string method;           // "POST"
  std::string host;             // as sent in the Host header (with a non-default port)
  std::string path = "/";       // canonical URI
  std::string query;            // canonical query string (already sorted and encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // besides host and x-amz-date
  std::string body;
  std::string amz_date;         // YYYYMMDD'T'HHMMSS'Z'
  std::string region = "us-east-1";
  std::string service = "sts";
};

// The signing key: HMAC chain over date, region, service and "aws4_request".
std::string SigV4SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service);
// Hex signature of the request.
std::string SigV4Signature(const SigV4Request& r, std::string_view secret);
// The Authorization header value.
std::string SigV4Authorization(const SigV4Request& r, std::string_view key_id, std::string_view secret);

std::string HexEncode(std::string_view bytes);

}  // namespace keysweep::verify
