#!/usr/bin/env bash
# Scan throughput with and without --verify over the same tree, interleaved (A B A B ...), against a
# local fake provider (python3, loopback, via the KEYSWEEP_VERIFY_TEST_HOSTS test hook). The tree is
# the source corpus plus a file with N distinct planted tokens. Verification runs after the scan, so
# the scan phase (total minus the "verification: milliseconds" counter) should match; the script
# prints both the scan-phase and the end-to-end medians. Reported, never fails on timing.
#   bench/verify_scan.sh [--size-mb N] [--runs N] [--threads N] [--secrets N] [--build DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size_mb=200 runs=3 threads=2 secrets=500 build=build
while (($#)); do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --secrets) secrets=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=$root/$build/tools/keysweep
[[ -x $bin ]] || { echo "build first: cmake --build build" >&2; exit 2; }
work=$root/bench/work
corpus=$work/source-$size_mb
"$root/corpus/make_source_corpus.sh" "$corpus" "$size_mb"
planted=$work/verify-planted.env
python3 - "$planted" "$secrets" <<'PY'
import random, string, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        tok = "acme_" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(24))
        f.write(f"ACME_TOKEN_{i}={tok}\n")
PY
rules=$work/verify-acme.toml
cat > "$rules" <<'TOML'
provider = "Acme"
[[rule]]
id = "acme-bench-token"
category = "saas"
confidence = "high"
pattern = '''\b(acme_[A-Za-z0-9]{24})\b'''
  [rule.verify]
  hosts = ["api.acme.test"]
  url = "https://api.acme.test/ok"
  headers = { Authorization = "Bearer {{secret}}" }
  identity = "{{json:/user}}"
  rate = 100000
  references = ["x"]
    [[rule.verify.when]]
    status = 200
    result = "verified"
TOML
port_file=$(mktemp)
python3 - "$port_file" <<'PY' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = json.dumps({"user": "bench"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # 64 clients connect at once
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -f "$port_file"' EXIT
for _ in $(seq 50); do [[ -s $port_file ]] && break; sleep 0.1; done
export KEYSWEEP_VERIFY_TEST_HOSTS="api.acme.test=127.0.0.1:$(cat "$port_file")"
export XDG_CACHE_HOME=$work/cache
out=$work/verify-scan.json
run() {  # prints: total_seconds verify_seconds bytes
  "$bin" scan -q --no-config --threads "$threads" --rules "$rules" --format json -o "$out" "$@" "$corpus" "$planted" || true
  python3 - "$out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(s["seconds"], s["counters"].get("verification: milliseconds", 0) / 1000.0, s["bytes_scanned"])
PY
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
run > /dev/null  # warm page and database caches
plain=() vscan=() vtotal=()
bytes=0
for ((i = 0; i < runs; i++)); do
  read -r t v bytes < <(run)
  plain+=("$t")
  read -r t v bytes < <(run --verify --verify-concurrency 64)
  vtotal+=("$t")
  vscan+=("$(echo "$t - $v" | bc -l)")
done
p=$(printf '%s\n' "${plain[@]}" | median)
s=$(printf '%s\n' "${vscan[@]}" | median)
t=$(printf '%s\n' "${vtotal[@]}" | median)
mb=$(echo "$bytes / 1000000" | bc -l)
printf 'tree: %.0f MB, %d planted distinct secrets, %d threads, %d runs each\n' "$mb" "$secrets" "$threads" "$runs"
printf 'scan without --verify:         %6.3f s  (%.0f MB/s)\n' "$p" "$(echo "$mb / $p" | bc -l)"
printf 'scan phase with --verify:      %6.3f s  (%.0f MB/s, %+.1f%%)\n' "$s" "$(echo "$mb / $s" | bc -l)" "$(echo "($s - $p) * 100 / $p" | bc -l)"
printf 'end to end with --verify:      %6.3f s  (verification %.3f s for %d secrets)\n' "$t" "$(echo "$t - $s" | bc -l)" "$secrets"
verified=$(python3 -c "import json;print(sum(1 for f in json.load(open('$out'))['findings'] if f.get('verification',{}).get('status')=='verified'))")
echo "verified in the last run: $verified"
