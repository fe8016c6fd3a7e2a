#!/usr/bin/env bash
# keysweep scan vs cat over the same source tree, in one run, interleaved (A B A B ...).
# Reports medians, the ratio to cat, MB/s, peak RSS, warm start on one small file, and the findings
# keysweep reports on this (secret-free) corpus. Never fails on timing.
#   bench/scan_vs_cat.sh [--size-mb N] [--runs N] [--threads N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size_mb=1000 runs=5 threads=2
while (($#)); do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --quick) size_mb=200; runs=3; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=$root/build/tools/keysweep
[[ -x $bin ]] || "$root/tools/setup" >&2
work=$root/bench/work
corpus=$work/source-$size_mb
"$root/corpus/make_source_corpus.sh" "$corpus" "$size_mb"
bytes=$(du -sb --exclude='.complete-*' "$corpus" | cut -f1)
files=$(find "$corpus" -type f ! -name '.complete-*' | wc -l)
export XDG_CACHE_HOME=$work/cache

now() { date +%s.%N; }
time_cmd() {  # prints wall seconds of "$@"
  local t0 t1
  t0=$(now); "$@" > /dev/null 2>&1 || true; t1=$(now)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

cat_all() { find "$corpus" -type f -print0 | xargs -0 cat > /dev/null; }
ks_scan() { "$bin" scan --no-config -q --threads "$threads" --format jsonl "$corpus" > /dev/null; }

cat_all  # warm the page cache
"$bin" scan --no-config -q --threads "$threads" --format jsonl "$corpus" > /dev/null || true  # warm the DB cache
cat_t=() ks_t=()
for ((i = 0; i < runs; i++)); do
  cat_t+=("$(time_cmd cat_all)")
  ks_t+=("$(time_cmd ks_scan)")
done
cat_med=$(printf '%s\n' "${cat_t[@]}" | median)
ks_med=$(printf '%s\n' "${ks_t[@]}" | median)
ratio=$(echo "$ks_med / $cat_med" | bc -l)
mbps=$(echo "$bytes / 1000000 / $ks_med" | bc -l)
cat_mbps=$(echo "$bytes / 1000000 / $cat_med" | bc -l)
rss_kb=$( { /usr/bin/time -v "$bin" scan --no-config -q --threads "$threads" --format jsonl "$corpus" > /dev/null; } 2>&1 \
  | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')

# Warm start: one small file, median of 21 runs.
small=$work/small.py
printf 'import os\nprint(os.getcwd())\n' > "$small"
warm=()
for ((i = 0; i < 21; i++)); do warm+=("$(time_cmd "$bin" scan --no-config -q "$small")"); done
warm_ms=$(printf '%s\n' "${warm[@]}" | median | awk '{printf "%.1f", $1 * 1000}')

findings=$("$bin" scan --no-config -q --threads "$threads" --format jsonl "$corpus" | wc -l || true)

printf '\n## keysweep scan vs cat (%s MB, %s files, %s threads, %s runs, median)\n\n' \
  "$((bytes / 1000000))" "$files" "$threads" "$runs"
printf '| measure | keysweep scan | cat (floor) | ratio |\n|---|---|---|---|\n'
printf '| wall time | %.3f s | %.3f s | %.2fx |\n' "$ks_med" "$cat_med" "$ratio"
printf '| throughput | %.0f MB/s | %.0f MB/s | |\n' "$mbps" "$cat_mbps"
printf '| peak RSS | %s MB | | |\n' "$((rss_kb / 1024))"
printf '| warm start, one small file | %s ms | | |\n' "$warm_ms"
printf '| findings on this corpus | %s | | |\n' "$findings"
printf '\nruns (s): keysweep %s; cat %s\n' "${ks_t[*]}" "${cat_t[*]}"
