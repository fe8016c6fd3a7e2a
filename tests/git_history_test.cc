// The git history source, drained directly through the ChunkSource interface.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/scan_stats.h"
#include "engine/sources/git/git_history_source.h"
#include "engine/sources/git/pack_order.h"
#include "gtest/gtest.h"
#include "tests/git_test_util.h"

namespace keysweep {
namespace {

using testing::Drain;
using testing::kAwsKey;
using testing::kAwsKey2;
using testing::ScanHistory;
using testing::TempGitRepo;

std::vector<const Chunk*> BlobsContaining(const std::vector<Chunk>& chunks, const std::string& s) {
  std::vector<const Chunk*> out;
  for (const Chunk& c : chunks) {
    if (c.prov->kind == Provenance::Kind::kGitBlob && c.data.find(s) != std::string::npos) {
      out.push_back(&c);
    }
  }
  return out;
}

TEST(GitHistory, SecretAddedThenRemovedIsFoundWithTheAddingCommit) {
  TempGitRepo repo;
  repo.Write("README.md", "hello\n");
  repo.Commit("first", 1600000000);
  repo.Write("config.py", std::string("KEY = '") + kAwsKey + "'\n");
  const std::string adding = repo.Commit("add config", 1600000100);
  repo.Write("config.py", "KEY = os.environ['KEY']\n");
  repo.Commit("remove the key", 1600000200);

  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto hits = BlobsContaining(chunks, kAwsKey);
  ASSERT_EQ(hits.size(), 1u);
  const Provenance& p = *hits[0]->prov;
  EXPECT_EQ(p.path, repo.path());
  EXPECT_EQ(p.git_path, "config.py");
  EXPECT_EQ(p.blob_id, repo.Git("rev-parse " + adding + ":config.py"));
  ASSERT_EQ(p.introductions.size(), 1u);
  EXPECT_EQ(p.introductions[0].commit, adding);
  EXPECT_EQ(p.introductions[0].path, "config.py");
  EXPECT_EQ(p.introductions[0].author_name, "Ada Lovelace");
  EXPECT_EQ(p.introductions[0].author_email, "ada@example.com");
  EXPECT_EQ(p.introductions[0].time, 1600000100);
  EXPECT_EQ(stats.counters()["commits"], 3u);
  EXPECT_EQ(stats.errors().size(), 0u);
}

TEST(GitHistory, EachDistinctBlobIsEmittedOnceWithEveryIntroduction) {
  TempGitRepo repo;
  const std::string shared = std::string("token: ") + kAwsKey + "\n";
  repo.Write("base.txt", "base\n");
  repo.Commit("base", 1600000000);
  repo.Git("checkout -q -b left");
  repo.Write("a/creds.yml", shared);
  const std::string left = repo.Commit("left adds creds", 1600000100);
  repo.Git("checkout -q main");
  repo.Git("checkout -q -b right");
  repo.Write("b/creds.yml", shared);
  repo.Write("c/copy.yml", shared);  // same blob, second path, same commit
  const std::string right = repo.Commit("right adds creds twice", 1600000200);
  repo.Git("tag v1 " + right);

  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto hits = BlobsContaining(chunks, kAwsKey);
  ASSERT_EQ(hits.size(), 1u) << "one blob, scanned once, however many branches and paths hold it";
  const auto& intros = hits[0]->prov->introductions;
  ASSERT_EQ(intros.size(), 3u);
  EXPECT_EQ(intros[0].commit, left);  // earliest first
  EXPECT_EQ(intros[0].path, "a/creds.yml");
  std::vector<std::string> right_paths;
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(intros[i].commit, right);
    right_paths.push_back(intros[i].path);
  }
  std::sort(right_paths.begin(), right_paths.end());
  EXPECT_EQ(right_paths, (std::vector<std::string>{"b/creds.yml", "c/copy.yml"}));
  // Every chunk is a distinct object: blobs by id, messages by commit.
  std::vector<std::string> ids;
  for (const Chunk& c : chunks) {
    if (c.prov->kind == Provenance::Kind::kGitBlob) ids.push_back(c.prov->blob_id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_EQ(ids.size(), 2u);  // base.txt and the shared creds blob
}

TEST(GitHistory, RenameKeepsTheIntroducingCommit) {
  TempGitRepo repo;
  repo.Write("old/name.env", std::string("AWS=") + kAwsKey + "\n");
  const std::string added = repo.Commit("add", 1600000000);
  repo.Git("mv old/name.env new.env");
  const std::string renamed = repo.Commit("rename", 1600000500);

  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto hits = BlobsContaining(chunks, kAwsKey);
  ASSERT_EQ(hits.size(), 1u);
  const Provenance& p = *hits[0]->prov;
  ASSERT_EQ(p.introductions.size(), 2u);
  EXPECT_EQ(p.introductions[0].commit, added);
  EXPECT_EQ(p.introductions[0].path, "old/name.env");
  EXPECT_EQ(p.introductions[1].commit, renamed);
  EXPECT_EQ(p.introductions[1].path, "new.env");
  EXPECT_EQ(p.git_path, "old/name.env");
}

TEST(GitHistory, MergeCommitsIntroduceOnlyWhatNoParentHad) {
  TempGitRepo repo;
  repo.Write("shared.txt", "line 1\n");
  repo.Commit("base", 1600000000);
  repo.Git("checkout -q -b feature");
  repo.Write("feature.env", std::string("KEY=") + kAwsKey + "\n");
  const std::string feature = repo.Commit("feature", 1600000100);
  repo.Write("shared.txt", "line 1\nfeature line\n");
  repo.Commit("feature edits shared", 1600000150);
  repo.Git("checkout -q main");
  repo.Write("shared.txt", "line 1\nmain line\n");
  repo.Commit("main edits shared", 1600000200);
  // A conflicting merge, resolved with new content that holds a second secret.
  repo.Git("merge -q feature -m merge >/dev/null || true", 1600000300);
  repo.Write("shared.txt", std::string("line 1\nfeature line\nmain line ") + kAwsKey2 + "\n");
  const std::string merge = repo.Commit("merge feature", 1600000300);
  ASSERT_EQ(repo.Git("rev-list --parents -n1 HEAD").size(), 3 * 40 + 2u) << "a two-parent merge";

  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  auto feature_hits = BlobsContaining(chunks, kAwsKey);
  ASSERT_EQ(feature_hits.size(), 1u);
  ASSERT_EQ(feature_hits[0]->prov->introductions.size(), 1u) << "the merge does not re-introduce it";
  EXPECT_EQ(feature_hits[0]->prov->introductions[0].commit, feature);
  auto merge_hits = BlobsContaining(chunks, kAwsKey2);
  ASSERT_EQ(merge_hits.size(), 1u);
  ASSERT_EQ(merge_hits[0]->prov->introductions.size(), 1u);
  EXPECT_EQ(merge_hits[0]->prov->introductions[0].commit, merge);
  EXPECT_EQ(merge_hits[0]->prov->introductions[0].path, "shared.txt");
}

TEST(GitHistory, CommitMessagesAreScannedAsTheirOwnObjects) {
  TempGitRepo repo;
  repo.Write("a.txt", "a\n");
  const std::string c = repo.Commit(std::string("deploy with ") + kAwsKey, 1600000000);
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats);
  int messages = 0;
  for (const Chunk& ch : chunks) {
    if (ch.prov->kind != Provenance::Kind::kGitCommitMessage) continue;
    ++messages;
    EXPECT_NE(ch.data.find(kAwsKey), std::string::npos);
    ASSERT_EQ(ch.prov->introductions.size(), 1u);
    EXPECT_EQ(ch.prov->introductions[0].commit, c);
    EXPECT_EQ(ch.prov->introductions[0].time, 1600000000);
  }
  EXPECT_EQ(messages, 1);
  EXPECT_TRUE(BlobsContaining(chunks, kAwsKey).empty());
}

TEST(GitHistory, BinaryAndOversizedBlobsAreSkippedAndCounted) {
  TempGitRepo repo;
  repo.Write("small.txt", std::string("k=") + kAwsKey + "\n");
  repo.Write("image.bin", std::string("\x89PNG\0\0", 7) + kAwsKey2);
  repo.Write("big.txt", std::string(5000, 'x') + kAwsKey2);
  repo.Commit("files");
  git::GitSourceOptions o;
  o.max_file_size = 4096;
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats, o);
  EXPECT_EQ(BlobsContaining(chunks, kAwsKey).size(), 1u);
  EXPECT_TRUE(BlobsContaining(chunks, kAwsKey2).empty());
  EXPECT_EQ(stats.skips()["binary"], 1u);
  EXPECT_EQ(stats.skips()["too large"], 1u);

  o.include_binary = true;
  o.max_file_size = 1 << 20;
  ScanStats stats2;
  EXPECT_EQ(BlobsContaining(ScanHistory(repo, &stats2, o), kAwsKey2).size(), 2u);
  EXPECT_EQ(stats2.skips().size(), 0u);
}

TEST(GitHistory, LargeBlobsAreCutIntoOverlappingChunks) {
  TempGitRepo repo;
  std::string big;
  for (int i = 0; i < 3000; ++i) big += "line " + std::to_string(i) + " of a long generated file\n";
  repo.Write("big.txt", big);
  repo.Commit("big");
  git::GitSourceOptions o;
  o.chunk_size = 16384;
  o.scan_messages = false;
  ScanStats stats;
  auto chunks = ScanHistory(repo, &stats, o);
  ASSERT_GT(chunks.size(), 2u);
  size_t accepted = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].last, i + 1 == chunks.size());
    EXPECT_EQ(chunks[i].prov.get(), chunks[0].prov.get()) << "one provenance per object";
    accepted += chunks[i].accept_end - chunks[i].accept_begin;
  }
  EXPECT_EQ(accepted, big.size()) << "accepted ranges tile the blob exactly once";
}

TEST(GitHistory, PackedAndLooseRepositoriesGiveTheSameResult) {
  TempGitRepo repo;
  for (int i = 0; i < 20; ++i) {
    repo.Write("f" + std::to_string(i % 4) + ".txt", "version " + std::to_string(i) + "\n");
    repo.Commit("c" + std::to_string(i), 1600000000 + i);
  }
  ScanStats loose_stats;
  auto loose = ScanHistory(repo, &loose_stats);
  repo.Git("gc -q --aggressive");
  ScanStats packed_stats;
  auto packed = ScanHistory(repo, &packed_stats);
  auto key = [](const std::vector<Chunk>& cs) {
    std::vector<std::string> k;
    for (const Chunk& c : cs) {
      std::string intros;
      for (const GitIntroduction& g : c.prov->introductions) {
        intros += g.commit + g.path + g.author_name + g.author_email + std::to_string(g.time) + ";";
      }
      k.push_back(c.prov->blob_id + "|" + intros + "|" + c.data);
    }
    std::sort(k.begin(), k.end());
    return k;
  };
  EXPECT_EQ(key(loose), key(packed)) << "same content, provenance and messages from packs";
  EXPECT_EQ(packed_stats.counters()["blobs scanned"], 20u);
  EXPECT_EQ(packed_stats.counters()["commit messages scanned"], 20u);

  git::LibGit2Guard libgit2;  // this test calls libgit2 directly

  auto r = git::OpenRepository(repo.path());
  ASSERT_TRUE(r.ok());
  git::PackOrder order = git::PackOrder::Load(r->get());
  EXPECT_EQ(order.pack_count(), 1u);
  git_oid id;
  git_oid_fromstr(&id, repo.Git("rev-parse HEAD:f3.txt").c_str());
  uint32_t pack = 9;
  uint64_t offset = 0;
  EXPECT_TRUE(order.Find(id, &pack, &offset));
  EXPECT_EQ(pack, 0u);
  EXPECT_GE(offset, 12u);  // after the pack header
}

// A longer history (written with git fast-import) so the walk really splits into slices on
// several threads and the prefetcher really runs ahead: the results must not depend on either.
TEST(GitHistory, ThreadsDoNotChangeTheResult) {
  TempGitRepo repo;
  std::string stream;
  for (int i = 1; i <= 1200; ++i) {
    std::string body = "version " + std::to_string(i) + "\n";
    if (i % 97 == 0) body += std::string("key = ") + kAwsKey + "\n";
    stream += "commit refs/heads/main\nmark :" + std::to_string(i) + "\ncommitter A <a@example.com> " +
              std::to_string(1600000000 + i) + " +0000\ndata 2\nc\n";
    if (i > 1) stream += "from :" + std::to_string(i - 1) + "\n";
    stream += "M 100644 inline dir" + std::to_string(i % 7) + "/f" + std::to_string(i % 13) + ".txt\ndata " +
              std::to_string(body.size()) + "\n" + body + "\n";
  }
  repo.Write("stream.fi", stream);
  repo.Git("fast-import --quiet < stream.fi");
  auto summary = [&](int walk_threads, int reader_threads) {
    git::GitSourceOptions o;
    o.history.threads = walk_threads;
    o.reader_threads = reader_threads;
    o.prefetch_window = 8;
    ScanStats stats;
    std::vector<std::string> rows;
    for (const Chunk& c : ScanHistory(repo, &stats, o)) {
      std::string row = c.prov->blob_id + " " + c.data + " ";
      for (const GitIntroduction& g : c.prov->introductions) row += g.commit + ":" + g.path + " ";
      rows.push_back(row);
    }
    EXPECT_EQ(stats.counters()["commits"], 1200u);
    return rows;  // in emission order: that must not change either
  };
  const auto one = summary(1, 0);
  EXPECT_EQ(one.size(), 1200u + 1200u) << "every version is a distinct blob, plus the messages";
  EXPECT_EQ(summary(4, 0), one);
  EXPECT_EQ(summary(2, 2), one);
}

}  // namespace
}  // namespace keysweep
