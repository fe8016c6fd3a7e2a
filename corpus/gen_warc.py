#!/usr/bin/env python3
"""Writes realistic WARC files with planted secrets and a labels file (JSON lines).

Common Crawl-like by default: warcinfo, then request / response / metadata triples; responses wrap
HTML, JavaScript and JSON; one gzip member per record. Options add what other crawlers do: HTTP
bodies stored chunked and/or gzip'd, zstd per the IIPC warc-zstd proposal (dictionary in a leading
skippable frame, optionally compressed itself; needs the `zstd` command).

Each planted secret gets one label line:
  {"file", "record_offset", "record_id", "target_uri", "record_type", "secret", "kind",
   "where", "http_encoding"}
record_offset is the byte offset of the record's gzip member / zstd frame in the written file (or
of the record in a plain file), the offset a range request would fetch.

Standard library only (plus the zstd CLI for .zst). Deterministic for a given --seed.
  gen_warc.py --out x.warc.gz --records 300 --labels x.labels.jsonl
  gen_warc.py --out big.warc.gz --target-bytes 1G       (compressed size, approximately)
"""
import argparse
import ctypes
import ctypes.util
import datetime
import gzip
import json
import os
import random
import shutil
import string
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase  # GitHub's base62 order
WORDS = ("the of and to in is for on that with as by this from at be are or an it was which "
         "account access address api application archive authentication browser cache client "
         "cloud code config content cookie data database deploy developer document domain "
         "download engine error event feature file format function gateway header history host "
         "image index install integration interface key language library license link login "
         "market media message method mobile module network news object order page password "
         "payment platform plugin policy price privacy product profile project query release "
         "report request resource response result review search secure server service session "
         "settings share site software source storage stream support system table team template "
         "test text token tool update upload user value version video view website window world "
         "weather sports travel recipe garden music history science health finance education").split()


def b62(n, k):
    out = []
    for _ in range(k):
        n, r = divmod(n, 62)
        out.append(B62[r])
    return "".join(reversed(out))


class Secrets:
    """Secret formats of real providers (random values, never live)."""

    def __init__(self, rng):
        self.rng = rng

    def alnum(self, n, alphabet=string.ascii_letters + string.digits):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def make(self):
        r = self.rng
        kind = r.choice(["aws-access-key-id", "github-pat", "groq-api-key", "openrouter-api-key",
                         "linear-api-key", "sentry-user-auth-token", "slack-bot-token"])
        if kind == "aws-access-key-id":
            s = "AKIA" + self.alnum(16, string.ascii_uppercase + "234567")
        elif kind == "github-pat":
            body = self.alnum(30)
            s = "ghp_" + body + b62(zlib.crc32(body.encode()), 6)  # real tokens end in a CRC32
        elif kind == "groq-api-key":
            s = "gsk_" + self.alnum(52)
        elif kind == "openrouter-api-key":
            s = "sk-or-v1-" + self.alnum(64, "0123456789abcdef")
        elif kind == "linear-api-key":
            s = "lin_api_" + self.alnum(40)
        elif kind == "sentry-user-auth-token":
            s = "sntryu_" + self.alnum(64, "0123456789abcdef")
        else:
            s = "xoxb-%d-%d-%s" % (r.randrange(10**11, 10**12), r.randrange(10**12, 10**13),
                                   self.alnum(24))
        return kind, s


class Pages:
    """HTML, JavaScript and JSON that compress like the real thing (per-record gzip ~4-6x)."""

    def __init__(self, rng):
        self.rng = rng
        self.paragraphs = [self.sentence_block() for _ in range(3000)]

    def sentence_block(self):
        r = self.rng
        words = r.choices(WORDS, k=r.randrange(25, 90))
        words[0] = words[0].capitalize()
        for i in range(len(words)):
            if r.random() < 0.04:
                words[i] = str(r.randrange(1, 100000))
            elif r.random() < 0.03:
                words[i] = words[i].capitalize()
        return " ".join(words) + "."

    def html(self, host, path, planted):
        r = self.rng
        title = " ".join(r.choices(WORDS, k=5)).title()
        parts = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
                 f"<title>{title} | {host}</title>\n",
                 f'<link rel="canonical" href="https://{host}{path}">\n',
                 '<meta name="viewport" content="width=device-width, initial-scale=1">\n']
        for i in range(r.randrange(2, 6)):
            parts.append(f'<link rel="stylesheet" href="/static/css/{r.choice(WORDS)}.{r.getrandbits(32):08x}.css">\n')
        parts.append("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
                     f"gtag('js',new Date());gtag('config','G-{r.getrandbits(40):010X}');</script>\n")
        if planted and planted[0] == "html-script":
            parts.append(f'<script>\n  window.__CONFIG__ = {{"apiBase": "https://api.{host}/v2", '
                         f'"apiKey": "{planted[1]}", "debug": false}};\n</script>\n')
        parts.append("</head>\n<body>\n<nav class=\"navbar\"><ul>\n")
        for _ in range(r.randrange(5, 12)):
            w = r.choice(WORDS)
            parts.append(f'  <li class="nav-item"><a href="/{w}/">{w.title()}</a></li>\n')
        parts.append("</ul></nav>\n<main>\n")
        n = r.randrange(10, 120)
        plant_at = r.randrange(n) if planted and planted[0] == "html-text" else -1
        for i in range(n):
            tag = r.choice(["p", "p", "p", "h2", "li", "div"])
            cls = r.choice(["", ' class="content"', ' class="text-muted small"', ' id="s%d"' % i])
            parts.append(f"<{tag}{cls}>{r.choice(self.paragraphs)}</{tag}>\n")
            if i == plant_at:
                parts.append(f"<pre><code>export API_TOKEN={planted[1]}\ncurl -H \"Authorization: "
                             f"Bearer $API_TOKEN\" https://api.{host}/v1/items</code></pre>\n")
        parts.append("</main>\n<footer><p>&copy; 2024 " + host + "</p></footer>\n</body>\n</html>\n")
        return "".join(parts)

    def js(self, host, planted):
        r = self.rng
        parts = ["(function(){\"use strict\";\n"]
        for i in range(r.randrange(20, 200)):
            name = r.choice(WORDS) + str(i)
            parts.append(f"  function {name}(e,t){{var n=e&&e.{r.choice(WORDS)}||{r.randrange(1000)};"
                         f"return t.{r.choice(WORDS)}(n,\"{r.choice(self.paragraphs)[:40]}\")}}\n")
            if planted and i == 7:
                parts.append(f'  var config={{endpoint:"https://{host}/api",key:"{planted[1]}"}};\n')
        parts.append("})();\n")
        return "".join(parts)

    def json_doc(self, planted):
        r = self.rng
        items = [{"id": r.getrandbits(48), "title": r.choice(self.paragraphs)[:60],
                  "tags": r.choices(WORDS, k=4), "score": round(r.random() * 5, 3)}
                 for _ in range(r.randrange(5, 60))]
        doc = {"status": "ok", "count": len(items), "items": items}
        if planted:
            doc["integration"] = {"provider": "ci", "token": planted[1]}
        return json.dumps(doc, indent=1) + "\n"


class LibZstd:
    """libzstd through ctypes (standard library only): one frame per record without temp files."""

    def __init__(self, level):
        name = ctypes.util.find_library("zstd")
        if not name:
            raise OSError("libzstd not found")
        z = self.z = ctypes.CDLL(name)
        z.ZSTD_compressBound.restype = ctypes.c_size_t
        z.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
        z.ZSTD_isError.argtypes = [ctypes.c_size_t]
        z.ZSTD_createCCtx.restype = ctypes.c_void_p
        z.ZSTD_compress_usingDict.restype = ctypes.c_size_t
        z.ZSTD_compress_usingDict.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                              ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                              ctypes.c_size_t, ctypes.c_int]
        z.ZDICT_trainFromBuffer.restype = ctypes.c_size_t
        z.ZDICT_trainFromBuffer.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                            ctypes.POINTER(ctypes.c_size_t), ctypes.c_uint]
        z.ZDICT_isError.argtypes = [ctypes.c_size_t]
        self.cctx = z.ZSTD_createCCtx()
        self.level = level
        self.dict = b""

    def train(self, samples, size=112640):
        buf = b"".join(samples)
        sizes = (ctypes.c_size_t * len(samples))(*[len(x) for x in samples])
        out = ctypes.create_string_buffer(size)
        n = self.z.ZDICT_trainFromBuffer(out, size, buf, sizes, len(samples))
        if self.z.ZDICT_isError(n):
            raise OSError("ZDICT_trainFromBuffer failed")
        self.dict = out.raw[:n]
        return self.dict

    def compress(self, data, dict_bytes=None):
        d = self.dict if dict_bytes is None else dict_bytes
        bound = self.z.ZSTD_compressBound(len(data))
        out = ctypes.create_string_buffer(bound)
        n = self.z.ZSTD_compress_usingDict(self.cctx, out, bound, data, len(data), d or None, len(d),
                                           self.level)
        if self.z.ZSTD_isError(n):
            raise OSError("ZSTD_compress failed")
        return out.raw[:n]


def warc_record(fields, block):
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def chunked(body, rng):
    out, i = [], 0
    while i < len(body):
        n = rng.randrange(1, 9000)
        out.append(b"%x\r\n" % len(body[i:i + n]) + body[i:i + n] + b"\r\n")
        i += n
    return b"".join(out) + b"0\r\n\r\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output: .warc, .warc.gz or .warc.zst")
    ap.add_argument("--labels", help="labels file (JSON lines); default OUT.labels.jsonl")
    ap.add_argument("--records", type=int, default=0, help="captures (request+response+metadata)")
    ap.add_argument("--target-bytes", default="", help="stop near this output size (k/M/G)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secret-rate", type=float, default=0.05, help="fraction of captures with a secret")
    ap.add_argument("--chunked-rate", type=float, default=0.0, help="bodies stored chunked")
    ap.add_argument("--gzip-payload-rate", type=float, default=0.0, help="bodies stored gzip'd")
    ap.add_argument("--whole-file-gzip", action="store_true", help="one gzip member for the file")
    ap.add_argument("--zstd-level", type=int, default=3)
    ap.add_argument("--zstd-no-dict", action="store_true")
    ap.add_argument("--zstd-compress-dict", action="store_true", help="store the dictionary zstd'd")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pages, secrets = Pages(rng), Secrets(rng)
    target = 0
    if args.target_bytes:
        t = args.target_bytes.upper()
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(t[-1], 1)
        target = int(float(t.rstrip("KMG")) * mult)
    if not args.records and not target:
        args.records = 100
    mode = "zstd" if args.out.endswith(".zst") else "gzip" if args.out.endswith(".gz") else "none"
    labels_path = args.labels or args.out + ".labels.jsonl"
    name = os.path.basename(args.out)
    now = datetime.datetime(2024, 5, 18, 1, 58, 10)

    def rid():
        return "<urn:uuid:%s>" % uuid.UUID(int=rng.getrandbits(128), version=4)

    records = []  # (bytes, [label dicts without offset])

    def emit(rec, labels):
        records.append((rec, labels))

    info = (f"software: keysweep-gen_warc/1.0\r\nformat: WARC File Format 1.0\r\n"
            f"isPartOf: CC-MAIN-2024-22\r\noperator: Common Crawl Admin\r\n").encode()
    emit(warc_record([("WARC-Type", "warcinfo"), ("WARC-Date", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
                      ("WARC-Filename", name), ("WARC-Record-ID", rid()),
                      ("Content-Type", "application/warc-fields")], info), [])

    lib = None
    if mode == "zstd":
        try:
            lib = LibZstd(args.zstd_level)
        except OSError:
            lib = None  # fall back to the zstd command
    lib_ready = False
    out_dir = tempfile.mkdtemp(prefix="gen_warc.") if mode == "zstd" and lib is None else None
    fout = None if mode == "zstd" and lib is None else open(args.out, "wb")

    def start_zstd_lib():
        # Train on the records buffered so far, then write the dictionary frame.
        nonlocal lib_ready
        lib_ready = True
        if args.zstd_no_dict:
            return
        try:
            d = lib.train([r for r, _ in records])
        except OSError:
            return  # too few samples to train on: frames without a dictionary
        stored = lib.compress(d, b"") if args.zstd_compress_dict else d
        fout.write(struct.pack("<II", 0x184D2A5D, len(stored)) + stored)
    label_lines = []
    written = 0
    pending_offsets = []
    whole = gzip.GzipFile(fileobj=fout, mode="wb", compresslevel=6) if mode == "gzip" and args.whole_file_gzip else None

    def flush():
        nonlocal written
        for rec, labels in records:
            if mode == "gzip" and not whole:
                off = written
                data = gzip.compress(rec, compresslevel=6, mtime=0)
                fout.write(data)
                written += len(data)
            elif mode == "gzip":
                off = 0
                whole.write(rec)
                written = fout.tell()
            elif mode == "none":
                off = written
                fout.write(rec)
                written += len(rec)
            elif lib is not None:
                if not lib_ready:
                    start_zstd_lib()
                off = fout.tell()
                fout.write(lib.compress(rec))
                written = fout.tell()
            else:
                idx = len(pending_offsets)
                with open(os.path.join(out_dir, "r%08d" % idx), "wb") as f:
                    f.write(rec)
                pending_offsets.append(labels)
                written += len(rec) // 5
                continue
            for lab in labels:
                lab["record_offset"] = off
                label_lines.append(lab)
        records.clear()

    i = 0
    while (args.records and i < args.records) or (target and written < target):
        host = f"www.{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(1000)}.{rng.choice(['com', 'org', 'net', 'io', 'de'])}"
        path = "/" + "/".join(rng.choices(WORDS, k=rng.randrange(1, 4))) + rng.choice(["", "/", ".html", ".js", ".json"])
        uri = f"https://{host}{path}"
        date = (now + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        req_id, resp_id = rid(), rid()
        secret = secrets.make() if rng.random() < args.secret_rate else None
        where = None
        if secret:
            where = rng.choice(["html-script", "html-text", "js", "json", "auth-header", "post-body"])
        # Request.
        method = "POST" if where == "post-body" else "GET"
        req = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)\r\nAccept: text/html,*/*;q=0.8\r\n"
        req_body = b""
        if where == "auth-header":
            req += f"Authorization: Bearer {secret[1]}\r\n"
        if where == "post-body":
            req_body = json.dumps({"client": "web", "access_token": secret[1]}).encode()
            req += f"Content-Type: application/json\r\nContent-Length: {len(req_body)}\r\n"
        req_block = (req + "\r\n").encode() + req_body
        req_labels = []
        if where in ("auth-header", "post-body"):
            req_labels.append({"record_id": req_id, "record_type": "request"})
        emit(warc_record([("WARC-Type", "request"), ("WARC-Date", date), ("WARC-Record-ID", req_id),
                          ("Content-Type", "application/http; msgtype=request"),
                          ("WARC-Warcinfo-ID", "<urn:uuid:00000000-0000-4000-8000-000000000000>"),
                          ("WARC-IP-Address", f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"),
                          ("WARC-Target-URI", uri)], req_block), req_labels)
        # Response.
        body_secret = secret if where in ("html-script", "html-text", "js", "json") else None
        if path.endswith(".js"):
            ctype, body = "application/javascript", pages.js(host, (where, secret[1]) if body_secret else None)
            if body_secret and where != "js":
                body += f'var token="{secret[1]}";\n'
        elif path.endswith(".json"):
            ctype, body = "application/json", pages.json_doc((where, secret[1]) if body_secret else None)
        else:
            ctype = "text/html; charset=UTF-8"
            w = where if where in ("html-script", "html-text") else ("html-text" if body_secret else None)
            body = pages.html(host, path, (w, secret[1]) if body_secret else None)
        body = body.encode()
        encs = []
        hdr = f"HTTP/1.1 200 OK\r\nDate: {date}\r\nServer: nginx\r\nContent-Type: {ctype}\r\n"
        if rng.random() < args.gzip_payload_rate:
            body = gzip.compress(body, mtime=0)
            hdr += "Content-Encoding: gzip\r\n"
            encs.append("gzip")
        if rng.random() < args.chunked_rate:
            hdr += "Transfer-Encoding: chunked\r\n"
            body = chunked(body, rng)
            encs.append("chunked")
        if not encs:
            hdr += f"X-Crawler-Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
        resp_block = (hdr + "Connection: close\r\n\r\n").encode() + body
        resp_labels = [{"record_id": resp_id, "record_type": "response"}] if body_secret else []
        emit(warc_record([("WARC-Type", "response"), ("WARC-Date", date), ("WARC-Record-ID", resp_id),
                          ("Content-Type", "application/http; msgtype=response"),
                          ("WARC-Concurrent-To", req_id),
                          ("WARC-Target-URI", uri),
                          ("WARC-Identified-Payload-Type", ctype.split(";")[0])], resp_block), resp_labels)
        for lab in req_labels + resp_labels:
            lab.update({"file": name, "target_uri": uri, "secret": secret[1], "kind": secret[0],
                        "where": where, "http_encoding": "+".join(encs) or "identity"})
        # Metadata (Common Crawl style).
        meta = f"fetchTimeMs: {rng.randrange(20, 3000)}\r\ncharset-detected: UTF-8\r\n".encode()
        emit(warc_record([("WARC-Type", "metadata"), ("WARC-Date", date), ("WARC-Record-ID", rid()),
                          ("WARC-Refers-To", resp_id), ("Content-Type", "application/warc-fields"),
                          ("WARC-Target-URI", uri)], meta), [])
        i += 1
        if len(records) >= 300:
            flush()
    flush()

    if whole:
        whole.close()
    if mode == "zstd" and lib is None:
        files = sorted(os.listdir(out_dir))
        paths = [os.path.join(out_dir, f) for f in files]
        dict_bytes = b""
        if not args.zstd_no_dict:
            dpath = os.path.join(out_dir, "dict")
            subprocess.run(["zstd", "-q", "--train", "--maxdict=112640", "-o", dpath] + paths[:5000],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dict_bytes = open(dpath, "rb").read()
        cmd = ["zstd", "-q", "-f", f"-{args.zstd_level}", "--no-check"]
        if dict_bytes:
            cmd += ["-D", os.path.join(out_dir, "dict")]
        for k in range(0, len(paths), 2000):
            subprocess.run(cmd + paths[k:k + 2000], check=True)
        with open(args.out, "wb") as f:
            if dict_bytes:
                stored = dict_bytes
                if args.zstd_compress_dict:
                    stored = subprocess.run(["zstd", "-q", "-c", "-19"], input=dict_bytes,
                                            stdout=subprocess.PIPE, check=True).stdout
                f.write(struct.pack("<II", 0x184D2A5D, len(stored)) + stored)
            for p, labels in zip(paths, pending_offsets):
                off = f.tell()
                with open(p + ".zst", "rb") as z:
                    f.write(z.read())
                for lab in labels:
                    lab["record_offset"] = off
                    label_lines.append(lab)
        shutil.rmtree(out_dir)
    else:
        fout.close()
    with open(labels_path, "w") as f:
        for lab in label_lines:
            f.write(json.dumps(lab, sort_keys=True) + "\n")
    print(f"{args.out}: {i} captures, {len(label_lines)} planted secrets, "
          f"{os.path.getsize(args.out)} bytes; labels in {labels_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
