#include "engine/gitleaks_import.h"

#include "engine/config.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace keysweep {
namespace {

constexpr char kGitleaks[] = R"GL(
title = "Acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key", "github-pat-classic"]

[[rules]]
id = "acme-internal-token"
description = "Acme internal service token"
regex = '''(?i)\b(acme_int_[a-z0-9]{32})\b'''
secretGroup = 1
entropy = 3.2
keywords = ["ACME_INT_"]
tags = ["internal"]
  [[rules.allowlists]]
  description = "test tokens"
  regexes = ['''acme_int_0{32}''']
  stopwords = ["testtoken"]
  paths = ['''(^|/)testdata/''']

[[rules]]
id = "Legacy Key"
description = "Legacy key with a lookahead"
regex = '''legacy_(?=[A-Z])[A-Z0-9]{20}'''

[[rules]]
id = "pem-files"
description = "PEM files by path only"
path = '''\.pem$'''

[[rules]]
id = "acme-deploy"
regex = '''deploy_key\s*=\s*"([A-Za-z0-9]{24})"'''
secretGroup = 1
path = '''\.cfg$'''
  [rules.allowlist]
  regexTarget = "line"
  regexes = ['''# fake''']

[allowlist]
description = "global allowlist"
paths = ['''gitleaks\.toml''', '''(.*?)(jpg|gif|doc|pdf|bin)$''']
regexes = ['''^EXAMPLE''']
stopwords = ["dummy"]
commits = ["0123456789abcdef0123456789abcdef01234567"]
)GL";

TEST(GitleaksImport, ConvertsRulesAndAllowlistsAndReportsTheRest) {
  auto builtin = LoadBuiltinRules();
  ASSERT_TRUE(builtin.ok());
  auto r = ImportGitleaksConfig(kGitleaks, ".gitleaks.toml", *builtin);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rules_converted, 2);
  std::string notes;
  for (const auto& n : r->not_converted) notes += n + "\n";
  EXPECT_NE(notes.find("rule 'Legacy Key'"), std::string::npos) << notes;        // lookahead rejected
  EXPECT_NE(notes.find("rule 'pem-files': has no regex"), std::string::npos) << notes;
  EXPECT_NE(notes.find("rule 'acme-deploy': path"), std::string::npos) << notes;
  EXPECT_NE(notes.find("regexTarget = \"line\""), std::string::npos) << notes;
  EXPECT_NE(notes.find("allowlist by commit"), std::string::npos) << notes;
  EXPECT_NE(notes.find("'generic-api-key'"), std::string::npos) << notes;  // no keysweep rule of that id

  // The output is a valid keysweep config that keeps what was converted.
  auto cfg = ParseConfig(r->keysweep_toml, "converted.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status() << "\n" << r->keysweep_toml;
  ASSERT_EQ(cfg->rules.size(), 2u);
  EXPECT_EQ(cfg->rules[0].id, "acme-internal-token");
  EXPECT_EQ(cfg->rules[0].secret_group, 1);
  EXPECT_DOUBLE_EQ(cfg->rules[0].min_entropy, 3.2);
  EXPECT_EQ(cfg->rules[0].keywords, std::vector<std::string>{"acme_int_"});
  EXPECT_EQ(cfg->disable, std::vector<std::string>{"github-pat-classic"});
  EXPECT_EQ(cfg->stopwords, std::vector<std::string>{"dummy"});
  EXPECT_EQ(cfg->allow_secrets, std::vector<std::string>{"^EXAMPLE"});
  EXPECT_EQ(cfg->allow_path_regexes.size(), 2u);
  ASSERT_TRUE(cfg->overrides.count("acme-internal-token"));
  EXPECT_EQ(cfg->overrides.at("acme-internal-token").stopwords, std::vector<std::string>{"testtoken"});

  // End to end: the converted config finds the custom token and honours its allowlists.
  testing::TempDir d;
  d.Write(".keysweep.toml", r->keysweep_toml);
  d.Write("src/app.py", "T = 'acme_int_9f8e7d6c5b4a39281706f5e4d3c2b1a0'\n");
  d.Write("testdata/fixture.py", "T = 'acme_int_1f8e7d6c5b4a39281706f5e4d3c2b1a0'\n");
  d.Write("src/other.py", "T = 'acme_int_00000000000000000000000000000000'\n");
  auto run = testing::RunKeysweep({"scan", "--format", "jsonl", "--only-rules", "acme-internal-token", "."}, "",
                                  d.path().string());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
  EXPECT_NE(run.out.find("src/app.py"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("suppressed: allowlisted path"), std::string::npos) << run.err;
}

TEST(GitleaksImport, CliWritesFileAndReportsOnStderr) {
  testing::TempDir d;
  const std::string in = d.Write(".gitleaks.toml", kGitleaks);
  const std::string out = (d.path() / "out.toml").string();
  auto run = testing::RunKeysweep({"config", "import-gitleaks", "-o", out, in});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("2 rules converted"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("not converted: rule 'pem-files'"), std::string::npos) << run.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  auto bad = testing::RunKeysweep({"config", "import-gitleaks", d.Write("broken.toml", "[[rules]\n")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("broken.toml"), std::string::npos);
}

}  // namespace
}  // namespace keysweep
