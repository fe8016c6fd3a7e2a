// PackReader (objects straight from pack files) and the tree parser the history walk uses, checked
// against libgit2 on real packs written by git.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/scan_stats.h"
#include "engine/sources/git/commit_parser.h"
#include "engine/sources/git/git_history_source.h"
#include "engine/sources/git/pack_reader.h"
#include "engine/sources/git/tree_reader.h"
#include "gtest/gtest.h"
#include "tests/git_test_util.h"

namespace keysweep {
namespace {

using testing::TempGitRepo;

// A history whose pack has long delta chains: one file edited many times, plus folders.
void MakeDeltaHistory(const TempGitRepo& repo) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of some configuration\n";
  for (int v = 0; v < 40; ++v) {
    text.insert(text.size() / 2, "inserted in version " + std::to_string(v) + "\n");
    repo.Write("config/app.conf", text);
    repo.Write("a.txt", "file a " + std::to_string(v % 3) + "\n");
    repo.Write("a/nested.txt", "nested " + std::to_string(v) + "\n");
    repo.Commit("v" + std::to_string(v), 1600000000 + v);
  }
  repo.Git("gc -q --aggressive");
}

std::vector<git_oid> AllObjects(const TempGitRepo& repo) {
  std::istringstream in(repo.Git("cat-file --batch-all-objects --batch-check='%(objectname)'"));
  std::vector<git_oid> ids;
  for (std::string line; std::getline(in, line);) {
    git_oid id;
    git_oid_fromstr(&id, line.c_str());
    ids.push_back(id);
  }
  return ids;
}

TEST(GitPack, EveryObjectReadsAsLibgit2ReadsIt) {
  TempGitRepo repo;
  MakeDeltaHistory(repo);
  git::LibGit2Guard libgit2;
  auto r = git::OpenRepository(repo.path());
  ASSERT_TRUE(r.ok()) << r.status();
  auto packs = std::make_shared<const git::PackOrder>(git::PackOrder::Load(r->get()));
  ASSERT_EQ(packs->pack_count(), 1u);
  ASSERT_NE(repo.Git("verify-pack -v " + packs->pack_path(0)).find("chain length = 1"), std::string::npos)
      << "the pack must hold delta chains for this test to mean anything";
  git_odb* raw = nullptr;
  ASSERT_EQ(git_repository_odb(&raw, r->get()), 0);
  git::OdbPtr odb(raw);
  git::PackReader reader(packs, /*cache_bytes=*/4096);  // a tiny cache: chains get re-walked
  const auto ids = AllObjects(repo);
  ASSERT_GT(ids.size(), 100u);
  int large_versions = 0;
  for (const git_oid& id : ids) {
    git_odb_object* obj = nullptr;
    ASSERT_EQ(git_odb_read(&obj, odb.get(), &id), 0);
    git::OdbObjectPtr owned(obj);
    std::string data, error;
    git_object_t type;
    ASSERT_EQ(reader.Read(id, &type, &data, &error), git::PackReader::Result::kOk) << error;
    EXPECT_EQ(type, git_odb_object_type(obj));
    ASSERT_EQ(data, std::string(static_cast<const char*>(git_odb_object_data(obj)),
                                git_odb_object_size(obj)))
        << git::OidHex(id);
    if (data.size() > 10) {
      uint64_t size = 0;
      EXPECT_EQ(reader.Read(id, &type, &data, &error, data.size() - 1, &size),
                git::PackReader::Result::kTooLarge);
      EXPECT_EQ(size, git_odb_object_size(obj));
    }
    large_versions += type == GIT_OBJECT_BLOB && data.size() > 4000;
  }
  EXPECT_GT(large_versions, 30);
  git_oid absent;
  git_oid_fromstr(&absent, "0123456789012345678901234567890123456789");
  std::string data, error;
  git_object_t type;
  EXPECT_EQ(reader.Read(absent, &type, &data, &error), git::PackReader::Result::kNotInPack);
}

TEST(GitPack, MalformedDeltasAreRejected) {
  std::string out;
  EXPECT_TRUE(git::ApplyDelta("hello", std::string("\x05\x05\x90\x05", 4), &out));  // copy 0..5
  EXPECT_EQ(out, "hello");
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x04\x05\x90\x05", 4), &out)) << "wrong base size";
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x05\x05\x90\x09", 4), &out)) << "copy past the base";
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x05\x02\x03xyz", 6), &out)) << "longer than announced";
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x05\x01\x00", 3), &out)) << "reserved opcode";
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x05\x03\x05xy", 5), &out)) << "truncated insert";
  // An absurd announced size (2^63) is refused without trying to allocate it.
  EXPECT_FALSE(git::ApplyDelta("hello", std::string("\x05\x80\x80\x80\x80\x80\x80\x80\x80\x40\x90\x05", 12), &out));
}

TEST(GitPack, CorruptPackIsReportedWithTheBlobIdAndTheScanGoesOn) {
  TempGitRepo repo;
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "payload line " + std::to_string(i * 7919 % 1000) + "\n";
  repo.Write("big.txt", big);
  repo.Write("small.txt", "small\n");
  repo.Commit("c");
  repo.Git("gc -q");
  const std::string blob = repo.Git("rev-parse HEAD:big.txt");
  // Damage the middle of big.txt's compressed data (found through the pack index).
  git::LibGit2Guard libgit2;  // this test calls libgit2 directly
  auto r = git::OpenRepository(repo.path());
  ASSERT_TRUE(r.ok()) << r.status();
  git::PackOrder order = git::PackOrder::Load(r->get());
  git_oid id;
  git_oid_fromstr(&id, blob.c_str());
  uint32_t pack;
  uint64_t offset;
  ASSERT_TRUE(order.Find(id, &pack, &offset));
  const std::string pack_path = order.pack_path(pack);
  std::filesystem::permissions(pack_path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::fstream f(pack_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset + 40));
    f.write("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
  }
  ScanStats stats;
  git::GitSourceOptions o;
  o.repo_path = repo.path();
  auto src = git::GitHistorySource::Create(o, &stats);
  ASSERT_TRUE(src.ok()) << src.status();
  auto chunks = testing::Drain(**src);
  bool small = false;
  for (const Chunk& c : chunks) small |= c.data == "small\n";
  EXPECT_TRUE(small) << "the other blobs are still scanned";
  EXPECT_EQ(stats.errors()["corrupt object"], 1u);
  std::string all;
  for (const std::string& m : stats.error_messages()) all += m;
  EXPECT_NE(all.find(blob), std::string::npos) << all;
}

TEST(GitPack, TreeParserKeepsGitOrder) {
  TempGitRepo repo;
  repo.Write("a.txt", "1\n");
  repo.Write("a/b.txt", "2\n");
  repo.Write("a-b", "3\n");
  repo.Write("ab/c", "4\n");
  repo.Write("link", "5\n");
  repo.Commit("tree");
  git::LibGit2Guard libgit2;  // this test calls libgit2 directly
  auto r = git::OpenRepository(repo.path());
  ASSERT_TRUE(r.ok()) << r.status();
  git::TreeReader trees(r->get(), std::make_shared<const git::PackOrder>());
  git_oid id;
  git_oid_fromstr(&id, repo.Git("rev-parse HEAD^{tree}").c_str());
  auto tree = trees.Get(id);
  ASSERT_TRUE(tree.ok()) << tree.status();
  std::vector<std::string> names;
  for (const git::TreeEntry& e : (*tree)->entries) names.push_back(std::string(e.name) + (e.is_tree ? "/" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"a-b", "a.txt", "a/", "ab/", "link"}));
  const auto& es = (*tree)->entries;
  for (size_t i = 1; i < es.size(); ++i) EXPECT_LT(git::CompareEntries(es[i - 1], es[i]), 0) << i;
  git::TreeEntry blob_a{"a", {}, false, true}, tree_a{"a", {}, true, false};
  EXPECT_NE(git::CompareEntries(blob_a, tree_a), 0) << "a file and a folder of the same name differ";
  git::ParsedTree bad;
  EXPECT_FALSE(git::ParseTree("100644 name-without-nul", &bad));
  EXPECT_FALSE(git::ParseTree(std::string("10x644 n\0", 9) + std::string(20, 'x'), &bad));
}

TEST(GitPack, CommitParserReadsWhatTheWalkNeeds) {
  const std::string raw =
      "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
      "parent 0123456789012345678901234567890123456789\n"
      "parent 1123456789012345678901234567890123456789\n"
      "author Ada  Lovelace <ada@example.com> 1600000000 +0200\n"
      "committer Grace Hopper <grace@example.com> 1600000500 -0500\n"
      "gpgsig -----BEGIN PGP SIGNATURE-----\n"
      " \n"
      " iQEzBAABCAAdFiEE\n"
      " -----END PGP SIGNATURE-----\n"
      "\n"
      "Subject line\n\nbody with a tree 0000 line\n";
  git::ParsedCommit c;
  ASSERT_TRUE(git::ParseCommit(raw, &c));
  EXPECT_EQ(git::OidHex(c.tree), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  ASSERT_EQ(c.parents.size(), 2u);
  EXPECT_EQ(git::OidHex(c.parents[1]), "1123456789012345678901234567890123456789");
  EXPECT_EQ(c.author_name, "Ada  Lovelace");
  EXPECT_EQ(c.author_email, "ada@example.com");
  EXPECT_EQ(c.time, 1600000500) << "the commit time, as git_commit_time gives it";
  EXPECT_EQ(c.message, "Subject line\n\nbody with a tree 0000 line\n");
  EXPECT_FALSE(git::ParseCommit("tree nothex\ncommitter a <b> 1 +0000\n\nm", &c));
  EXPECT_FALSE(git::ParseCommit("parent 0123456789012345678901234567890123456789\n\nno tree", &c));
  EXPECT_FALSE(git::ParseCommit("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter x", &c));
}

}  // namespace
}  // namespace keysweep
