#include "engine/findings.h"

#include "engine/sha256.h"
#include "gtest/gtest.h"

namespace keysweep {
namespace {

ProvenancePtr File(const std::string& path) {
  auto p = std::make_shared<Provenance>();
  p->path = path;
  return p;
}

TEST(Findings, SameSecretInManyPlacesIsOneFinding) {
  FindingSet set(2);
  set.Add(0, "r", "s3cret", Occurrence{File("a"), 1, 1, 2, ""});
  set.Add(0, "r", "s3cret", Occurrence{File("b"), 5, 3, 1, ""});
  set.Add(0, "r", "s3cret", Occurrence{File("c"), 9, 4, 1, ""});
  set.Add(1, "q", "s3cret", Occurrence{File("a"), 1, 1, 2, ""});  // another rule: another finding
  set.Add(0, "r", "other", Occurrence{File("a"), 7, 2, 1, ""});
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.occurrence_count(), 5u);
  auto sorted = set.Sorted({"r", "q"});
  ASSERT_EQ(sorted.size(), 3u);
  // Sorted by rule id: "q" first, then "r" findings by first location.
  EXPECT_EQ(sorted[0]->rule, 1u);
  const Finding* many = sorted[1]->secret == "s3cret" ? sorted[1] : sorted[2];
  EXPECT_EQ(many->occurrence_count, 3u);
  EXPECT_EQ(many->occurrences.size(), 2u);  // capped, but counted in full
}

TEST(Findings, FingerprintIsSha256OfRuleAndSecret) {
  EXPECT_EQ(Fingerprint("rule", "secret"), Sha256Hex(std::string("rule\0secret", 11)));
  EXPECT_NE(Fingerprint("rule", "secret"), Fingerprint("rule2", "secret"));
  EXPECT_NE(Fingerprint("ru", "lesecret"), Fingerprint("rule", "secret"));
  EXPECT_EQ(Fingerprint("r", "s").size(), 64u);
  // Known answer: SHA-256("abc").
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Findings, RedactionRevealsAtMostAQuarterAndFourChars) {
  EXPECT_EQ(Redact("ghp_16C7e42F292c6912E7710c838347Ae178B4a"), "ghp_*****");
  EXPECT_EQ(Redact("abcdefgh"), "ab*****");
  EXPECT_EQ(Redact("abc"), "*****");
  EXPECT_EQ(Redact(""), "*****");
}

}  // namespace
}  // namespace keysweep
