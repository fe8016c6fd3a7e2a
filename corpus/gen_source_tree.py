#!/usr/bin/env python3
"""Writes a labelled source tree: every positive example of every rule planted in a realistic file,
every negative example planted as a decoy, plus (optionally) real source text as filler.

  corpus/gen_source_tree.py OUT_DIR [--rules-dir detectors] [--only-ids FILE] [--seed 1]
                            [--filler-from DIR --filler-mb N] [--no-decoys]

Writes OUT_DIR/tree/ and OUT_DIR/labels.jsonl (one JSON object a line):
  {"kind": "planted", "rule_id", "secret", "path", "line", "line_start", "line_end"}
  {"kind": "decoy",   "rule_id", "path", "line_start", "line_end"}
`path` is relative to OUT_DIR/tree; `line` is the 1-based line where the secret starts;
[line_start, line_end] is the span of the planted example text.

The planted text is the rule's example text verbatim, on lines of its own, inside a file whose kind
follows the text's shape (a .env line goes into a .env file, a PEM block into a key file, a Python
call into a .py module, a JSON member into a .json document, ...), surrounded by ordinary lines of
that kind of file. So each example yields the label's secret exactly as `keysweep rules check` does.
The labels are the examples' secrets: rules are data, the corpus follows them.

`--only-ids FILE` keeps only the rules whose ids are listed (a JSON array of {"id": ...} as printed
by `keysweep rules list --format json`, or one id a line): plant only what the binary knows.
Filler: the first N MB (sorted paths) of DIR copied under vendor/ (for example the output of
corpus/make_source_corpus.sh), so the tree also holds ordinary, secret-free code.
Deterministic for a given seed, rules and filler. Standard library only (Python >= 3.11: tomllib).
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import sys
import tomllib

# Hints from rule ids to the file a secret of that kind lives in.
NAME_HINTS = [
    ("pypirc", ".pypirc"), ("netrc", ".netrc"), ("npmrc", ".npmrc"), ("docker-config", ".docker/config.json"),
    ("kubeconfig", ".kube/config"), ("maven-settings", ".m2/settings.xml"), ("rubygems", ".gem/credentials"),
    ("terraform", "terraform.rc"), ("putty", "keys/deploy.ppk"), ("pkcs12", "certs/bundle.txt"),
]
DIRS = ["services/billing", "services/auth", "services/search", "services/notify", "api", "web/src",
        "infra/terraform", "infra/k8s", "deploy", "scripts", "tools", "docs", "examples", "tests/fixtures",
        "config", "jobs/etl", "mobile/app", "lib/clients", "ops/ansible", "sandbox"]

ENV_LINES = ["NODE_ENV=production", "PORT=8080", "LOG_LEVEL=info", "DB_HOST=db.internal", "DB_PORT=5432",
             "CACHE_TTL=300", "FEATURE_NEW_CHECKOUT=false", "REGION=eu-west-1", "WORKERS=4", "TZ=UTC"]
YAML_LINES = ["replicas: 2", "image: registry.internal/app:1.42.0", "logLevel: info", "timeoutSeconds: 30",
              "region: eu-west-1", "retries: 3", "enabled: true", "port: 8080"]
PY_HEAD = ["import os", "import logging", "", "log = logging.getLogger(__name__)", ""]
PY_TAIL = ["", "", "def main():", "    log.info(\"starting %s\", __name__)", "", "", "if __name__ == \"__main__\":",
           "    main()"]
JS_HEAD = ["'use strict';", "", "const path = require('path');", ""]
JS_TAIL = ["", "module.exports = { name: path.basename(__filename) };"]
SH_HEAD = ["#!/usr/bin/env bash", "set -euo pipefail", "cd \"$(dirname \"$0\")/..\"", ""]
SH_TAIL = ["", "echo \"done\""]


def load_rules(rules_dir, only):
    rules = []
    for f in sorted(glob.glob(os.path.join(rules_dir, "*.toml"))):
        with open(f, "rb") as fh:
            data = tomllib.load(fh)
        for r in data.get("rule", []):
            # part_only rules (an account SID, a shop name) only complete another rule's credential
            # for verification; they are never reported, so planting them would count as a miss.
            if r.get("part_only", False):
                continue
            if only is None or r["id"] in only:
                rules.append(r)
    return rules


def read_ids(path):
    with open(path) as fh:
        text = fh.read()
    try:
        data = json.loads(text)
        return {(d["id"] if isinstance(d, dict) else d) for d in data}
    except json.JSONDecodeError:
        return {l.strip() for l in text.splitlines() if l.strip()}


def classify(rule_id, text):
    """Returns (kind, file name) for an example text."""
    first = text.lstrip("\n").split("\n")[0]
    for hint, name in NAME_HINTS:
        if hint in rule_id and not first.startswith(("export ", "curl ")):
            if name.endswith((".json",)) and not first.lstrip().startswith(("{", "\"")):
                continue
            return "raw", name
    if "-----BEGIN" in text or first.startswith("PuTTY-User-Key-File"):
        return "raw", "keys/%s.pem" % rule_id if "PuTTY" not in first else "keys/%s.ppk" % rule_id
    if first.startswith("["):
        return "raw", "config/%s.ini" % rule_id
    if re.match(r"(machine|default)\b", first):
        return "raw", ".netrc"
    if first.startswith("<"):
        return "xml", "config/%s.xml" % rule_id
    if first.startswith("{"):
        return "raw", "config/%s.json" % rule_id
    if first.lstrip().startswith("\""):
        return "json-member", "config/%s.json" % rule_id
    if re.match(r"(export |curl |git |wget |docker |ffmpeg |aws |op |npm |composer |gh |heroku |psql |mysql |"
                r"redis-cli |kubectl |helm |az |gcloud |terraform |pip |poetry |twine |> )", first):
        return "sh", "scripts/%s.sh" % rule_id
    if re.match(r"[A-Z][A-Z0-9_]*=", first):
        return "env", ".env"
    if re.match(r"(provider|credentials|resource|variable) \"", first):
        return "raw", "infra/%s.tf" % rule_id
    if re.match(r"\s*[\w.-]+:(\s|$)", first) and "://" not in first.split(":", 1)[0]:
        return "yaml", "config/%s.yaml" % rule_id
    if re.search(r"\b(const|let|var|function|require|new \w+\()|=>|\);?$|;$", first) and not re.match(r"\w+ = ", first):
        return "js", "src/%s.js" % rule_id.replace("-", "_")
    if re.match(r"(https?|[a-z0-9+]+)://", first):
        return "md", "docs/%s.md" % rule_id
    if re.match(r"[A-Za-z_][\w.\[\]'\"]*\s*=|\w+\(|import |from |#", first):
        return "py", "%s.py" % rule_id.replace("-", "_")
    return "md", "docs/%s.md" % rule_id


def wrap(kind, text, rng):
    """Returns (lines before, lines after) around the verbatim text."""
    if kind == "env":
        before = rng.sample(ENV_LINES, 3)
        return ["# generated by the deploy tool; do not edit"] + before + [""], ["", rng.choice(ENV_LINES)]
    if kind == "yaml":
        return ["# service settings", ""], ["", "# end"]
    if kind == "json-member":
        return ["{", "  \"version\": 2,"], ["}"]
    if kind == "xml":
        return ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!-- settings -->"], ["<!-- end -->"]
    if kind == "sh":
        return SH_HEAD, SH_TAIL
    if kind == "js":
        return JS_HEAD, JS_TAIL
    if kind == "py":
        return PY_HEAD, PY_TAIL
    if kind == "md":
        return ["# Setting up the client", "", "Run this once (from the internal wiki):", "", "```"], ["```", "",
                "Ask the platform team for access."]
    return [], []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--rules-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "detectors"))
    ap.add_argument("--only-ids")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--filler-from")
    ap.add_argument("--filler-mb", type=float, default=0)
    ap.add_argument("--no-decoys", action="store_true")
    a = ap.parse_args()

    only = read_ids(a.only_ids) if a.only_ids else None
    rules = load_rules(a.rules_dir, only)
    if not rules:
        sys.exit("gen_source_tree: no rules found in %s" % a.rules_dir)
    rng = random.Random(a.seed)
    tree = os.path.join(a.out, "tree")
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(tree)

    labels = []
    used = set()

    def place(name):
        d = rng.choice(DIRS)
        path, n = os.path.join(d, name), 1
        while path in used:  # a second .env in the same folder goes one level down, as in a monorepo
            path, n = os.path.join(d, "v%d" % n, name), n + 1
        used.add(path)
        return path

    def write(path, before, text, after):
        body = text[1:] if text.startswith("\n") else text
        body = body[:-1] if body.endswith("\n") else body
        lines = before + body.split("\n") + after
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", newline="") as fh:
            fh.write("\n".join(lines) + "\n")
        start = len(before) + 1
        return start, start + body.count("\n"), body

    for r in rules:
        for ex in r.get("positive", []):
            kind, name = classify(r["id"], ex["text"])
            before, after = wrap(kind, ex["text"], rng)
            path = place(name)
            start, end, body = write(path, before, ex["text"], after)
            at = body.find(ex["secret"])
            line = start + body.count("\n", 0, at) if at >= 0 else start
            labels.append({"kind": "planted", "rule_id": r["id"], "secret": ex["secret"], "path": path,
                           "line": line, "line_start": start, "line_end": end})
        if a.no_decoys:
            continue
        for text in r.get("negative", []):
            kind, name = classify(r["id"], text)
            before, after = wrap(kind, text, rng)
            path = place(name)
            start, end, _ = write(path, before, text, after)
            labels.append({"kind": "decoy", "rule_id": r["id"], "path": path, "line_start": start, "line_end": end})

    filler = 0
    if a.filler_from and a.filler_mb > 0:
        limit = int(a.filler_mb * 1e6)
        for root, dirs, files in os.walk(a.filler_from):
            dirs.sort()
            for f in sorted(files):
                if f.startswith(".complete-") or filler >= limit:
                    continue
                src = os.path.join(root, f)
                if os.path.islink(src) or not os.path.isfile(src):
                    continue
                dst = os.path.join(tree, "vendor", os.path.relpath(src, a.filler_from))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
                filler += os.path.getsize(src)
            if filler >= limit:
                break

    with open(os.path.join(a.out, "labels.jsonl"), "w") as fh:
        for lab in labels:
            fh.write(json.dumps(lab, sort_keys=True) + "\n")
    planted = sum(1 for l in labels if l["kind"] == "planted")
    print("gen_source_tree: %s: %d rules, %d planted secrets, %d decoys, %.1f MB filler"
          % (tree, len(rules), planted, len(labels) - planted, filler / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
