#!/usr/bin/env python3
"""Generates a synthetic git history with planted secrets, for the git-source benchmark and tests.

  corpus/gen_git_history.py OUT_DIR [--commits N] [--files N] [--seed S]

Creates OUT_DIR/repo (a git repository built with `git fast-import`, then repacked) and
OUT_DIR/labels.jsonl: one JSON object per planted secret with its kind, the commit that planted it,
the path (empty for commit messages) and whether a later commit deleted it again. The history has a
main line, feature branches merged back, unmerged stale branches, tags, renames and deletions;
files are plausible source code that changes a few lines per commit, so packs deltify as real ones.
Deterministic for a given seed.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
WORDS = ("account buffer cache client config context cursor data engine event handler index item "
         "key list logger manager message node options parser path queue reader record request "
         "response result router scanner session state stream table token user value worker writer "
         "batch chunk commit digest entry filter frame limit offset pool retry schema signal timer").split()
EXTS = [".py", ".c", ".go", ".js", ".md"]


def b62(n, width):
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out.rjust(width, "0")


class Secrets:
    """Makes unique, well-formed tokens of a few widely known formats."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def rand(self, alphabet, k):
        return "".join(self.rng.choice(alphabet) for _ in range(k))

    def make(self):
        self.n += 1
        kind = ["github-pat", "aws-access-key", "slack-bot-token", "stripe-live-key"][self.n % 4]
        if kind == "github-pat":
            body = self.rand(B62, 30)
            token = "ghp_" + body + b62(zlib.crc32(body.encode()), 6)
            line = 'GITHUB_TOKEN = "%s"' % token
        elif kind == "aws-access-key":
            token = "AKIA" + self.rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            line = "aws_access_key_id = %s" % token
        elif kind == "slack-bot-token":
            token = "xoxb-%d-%d-%s" % (self.rng.randrange(10**11, 10**12), self.rng.randrange(10**12, 10**13),
                                        self.rand(B62[10:] + B62[:10], 24))
            line = 'SLACK_BOT_TOKEN = "%s"' % token
        else:
            token = "sk_live_" + self.rand(B62, 24)
            line = 'stripe.api_key = "%s"' % token
        return kind, token, line


class Gen:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.secrets = Secrets(self.rng)
        self.out = []
        self.mark = 0
        self.time = 1500000000
        self.labels = []
        self.args = args

    def ident(self):
        return "_".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3)))

    def code_line(self, ext):
        a, b, c = self.ident(), self.ident(), self.ident()
        r = self.rng.random()
        if ext == ".py":
            return self.rng.choice(["    %s = %s(%s)" % (a, b, c), "    if %s is None:" % a,
                                    "        return %s.%s()" % (b, c), "    # %s the %s before %s" % (a, b, c),
                                    "def %s(%s, %s):" % (a, b, c), "    for %s in %s:" % (a, b)])
        if ext in (".c", ".go", ".js"):
            return self.rng.choice(["  %s = %s(%s, %d);" % (a, b, c, int(r * 4096)),
                                    "  if (%s == NULL) return %s;" % (a, b), "  // %s: %s %s" % (a, b, c),
                                    "static int %s(struct %s *%s) {" % (a, b, c), "}", "  %s->%s += %s;" % (a, b, c)])
        return self.rng.choice(["The %s keeps the %s of each %s." % (a, b, c), "", "## %s" % a,
                                "- `%s`: %s %s" % (a, b, c)])

    def new_file(self, path):
        ext = os.path.splitext(path)[1]
        return [self.code_line(ext) for _ in range(self.rng.randint(60, 400))]

    def emit_commit(self, ref, msg, parents, changes):
        self.mark += 1
        self.time += self.rng.randint(60, 7200)
        who = self.rng.choice(["Ada Lovelace <ada@example.com>", "Linus Chen <linus@example.org>",
                               "Grace Hopper <grace@example.net>", "Ken Ito <ken@example.com>"])
        data = msg.encode()
        self.out.append(b"commit %s\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\n" % (
            ref.encode(), self.mark, who.encode(), self.time, who.encode(), self.time, len(data), data))
        if parents:
            self.out.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                self.out.append(b"merge :%d\n" % p)
        for op, path, content in changes:
            if op == "M":
                body = ("\n".join(content) + "\n").encode()
                self.out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(body), body))
            elif op == "D":
                self.out.append(b"D %s\n" % path.encode())
            elif op == "R":
                self.out.append(b'R %s %s\n' % (path.encode(), content.encode()))
        self.out.append(b"\n")
        return self.mark

    def plant(self, files, path, mark_holder):
        kind, token, line = self.secrets.make()
        lines = files[path]
        lines.insert(self.rng.randrange(len(lines) + 1), line)
        label = {"kind": kind, "secret": token, "path": path, "commit_mark": None, "removed_later": False}
        self.labels.append(label)
        mark_holder.append(label)
        return label

    def edit(self, files, path):
        lines = files[path]
        ext = os.path.splitext(path)[1]
        for _ in range(self.rng.randint(1, 6)):
            i = self.rng.randrange(len(lines) + 1)
            if self.rng.random() < 0.7 or not lines:
                lines.insert(i, self.code_line(ext))
            elif i < len(lines) and not any(s in lines[i] for s in ("ghp_", "AKIA", "xoxb-", "sk_live_")):
                del lines[i]

    def run(self):
        a = self.args
        files = {}
        dirs = ["src/%s" % w for w in WORDS[:12]] + ["lib/%s/%s" % (w, v) for w in WORDS[12:18] for v in WORDS[30:33]]
        for _ in range(a.files):
            path = "%s/%s%s" % (self.rng.choice(dirs), self.ident(), self.rng.choice(EXTS))
            files[path] = self.new_file(path)
        main = self.emit_commit("refs/heads/main", "Initial import\n", [], [("M", p, c) for p, c in files.items()])
        live = []  # labels whose secret line is still in the tree: (label, path)
        n = 1
        while n < a.commits:
            if n % 97 == 0:  # a feature branch, merged back (or left stale every third time)
                bfiles = {p: list(c) for p, c in files.items()}
                tip, changed = main, set()
                for k in range(self.rng.randint(2, 6)):
                    p = self.rng.choice(sorted(bfiles))
                    pending = []
                    if self.rng.random() < 0.3:
                        self.plant(bfiles, p, pending)
                    else:
                        self.edit(bfiles, p)
                    tip = self.emit_commit("refs/heads/feature-%d" % n, "feature %d step %d\n" % (n, k), [tip],
                                           [("M", p, bfiles[p])])
                    for lab in pending:
                        lab["commit_mark"] = tip
                    changed.add(p)
                    n += 1
                if (n // 97) % 3 == 0:
                    self.out.append(b"reset refs/heads/stale-%d\nfrom :%d\n\n" % (n, tip))
                else:
                    for p in changed:
                        files[p] = bfiles[p]
                    main = self.emit_commit("refs/heads/main", "Merge feature-%d\n" % n, [main, tip],
                                            [("M", p, files[p]) for p in sorted(changed)])
                    n += 1
                continue
            r = self.rng.random()
            pending, changes, msg = [], [], "Update %s\n" % self.ident()
            if r < 0.03 and live:  # remove a planted secret again
                lab, p = live.pop(self.rng.randrange(len(live)))
                if p in files:
                    files[p] = [l for l in files[p] if lab["secret"] not in l]
                    lab["removed_later"] = True
                    changes.append(("M", p, files[p]))
            elif r < 0.06:  # plant a secret in a file
                p = self.rng.choice(sorted(files))
                lab = self.plant(files, p, pending)
                live.append((lab, p))
                changes.append(("M", p, files[p]))
            elif r < 0.065:  # a secret in the commit message
                kind, token, line = self.secrets.make()
                lab = {"kind": kind, "secret": token, "path": "", "commit_mark": None, "removed_later": False}
                self.labels.append(lab)
                pending.append(lab)
                msg = "Configure deploy\n\nuse %s for now\n" % line
                p = self.rng.choice(sorted(files))
                self.edit(files, p)
                changes.append(("M", p, files[p]))
            elif r < 0.075:  # rename a file
                p = self.rng.choice(sorted(files))
                q = os.path.dirname(p) + "/renamed_" + os.path.basename(p)
                if q not in files:
                    files[q] = files.pop(p)
                    changes.append(("R", p, q))
                    for i, (lab, lp) in enumerate(live):
                        if lp == p:
                            live[i] = (lab, q)
            elif r < 0.09:  # a new file
                p = "%s/%s%s" % (self.rng.choice(dirs), self.ident(), self.rng.choice(EXTS))
                if p not in files:
                    files[p] = self.new_file(p)
                    changes.append(("M", p, files[p]))
            else:
                for p in self.rng.sample(sorted(files), self.rng.randint(1, 3)):
                    self.edit(files, p)
                    changes.append(("M", p, files[p]))
            if not changes:
                continue
            main = self.emit_commit("refs/heads/main", msg, [main], changes)
            for lab in pending:
                lab["commit_mark"] = main
            if n % 1000 == 0:
                self.out.append(b"reset refs/tags/v%d\nfrom :%d\n\n" % (n // 1000, main))
            n += 1
        return b"".join(self.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--files", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-repack", action="store_true")
    a = ap.parse_args()
    repo = os.path.join(a.out, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    gen = Gen(a)
    stream = gen.run()
    git = ["git", "-C", repo, "-c", "gc.auto=0"]
    subprocess.run(git[:3] + ["init", "-q", "-b", "main"], check=True)
    marks = os.path.join(a.out, "marks")
    subprocess.run(git + ["fast-import", "--quiet", "--export-marks=" + marks], input=stream, check=True)
    subprocess.run(git + ["checkout", "-q", "main"], check=True)
    if not a.no_repack:
        subprocess.run(git + ["repack", "-q", "-a", "-d", "-f", "--window=50", "--depth=50"], check=True)
    sha = {}
    with open(marks) as f:
        for line in f:
            m, s = line.split()
            sha[int(m[1:])] = s
    with open(os.path.join(a.out, "labels.jsonl"), "w") as f:
        for lab in gen.labels:
            if lab["commit_mark"] is None:
                continue
            lab = dict(lab)
            lab["commit"] = sha[lab.pop("commit_mark")]
            f.write(json.dumps(lab) + "\n")
    print("%s: %d commits, %d planted secrets" % (repo, gen.mark, sum(1 for l in gen.labels if l["commit_mark"])),
          file=sys.stderr)


if __name__ == "__main__":
    main()
