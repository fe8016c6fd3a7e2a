// Report writers: text for people, JSON and JSON Lines for machines (schema in README.md).
// Pure functions of their inputs; thread-compatible.
#pragma once
#include <string>
#include <vector>

#include "engine/findings.h"
#include "engine/rules.h"
#include "engine/scan_stats.h"

namespace keysweep {

struct ReportOptions {
  bool redact = true;
  bool color = false;
  size_t max_occurrences = 100;  // per finding in the output (occurrence_count is always complete)
};

struct ScanSummary {
  double seconds = 0;
  uint64_t findings = 0;
  uint64_t occurrences = 0;
};

std::string FormatText(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                       const ReportOptions& options);
std::string FormatJson(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                       const ReportOptions& options, const ScanStats& stats, const ScanSummary& summary);
std::string FormatJsonl(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& options);
// One line for stderr: what was scanned, how fast, findings, skips and errors.
std::string SummaryLine(const ScanStats& stats, const ScanSummary& summary);

// JSON string literal (with quotes) of s; bytes that are not valid UTF-8 are escaped as \u00XX.
std::string JsonString(std::string_view s);
// ISO 8601 UTC time of a Unix timestamp.
std::string IsoTime(int64_t unix_seconds);

}  // namespace keysweep

namespace keysweep {

// SARIF 2.1.0: one reportingDescriptor per rule that has findings, one result per occurrence with
// partialFingerprints (the finding fingerprint and a per-location hash), commit/record details in
// result properties.
std::string FormatSarif(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& options);
// GitHub Actions workflow commands: one ::error annotation per occurrence.
std::string FormatGithub(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                         const ReportOptions& options);
// JUnit XML: one failing test case per occurrence (one passing case when there are none).
std::string FormatJunit(const std::vector<const Finding*>& findings, const std::vector<Rule>& rules,
                        const ReportOptions& options);

}  // namespace keysweep
