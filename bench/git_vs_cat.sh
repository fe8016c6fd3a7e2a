#!/usr/bin/env bash
# keysweep git vs `git cat-file --batch-all-objects --batch --unordered` on the same synthetic
# history (corpus/gen_git_history.py), in one run, interleaved (A B A B ...). Reports medians, the
# ratio to cat-file, blobs/s and MB/s of blob content, peak RSS, recall against the planted secrets
# (each must be found, with its planting commit among the finding's commits), and CI mode
# (--since-commit must report exactly the secrets planted in the range).
# Never fails on timing; exits 1 only when a planted secret is missed (or CI mode is wrong) or the
# setup fails.
#   bench/git_vs_cat.sh [--commits N] [--files N] [--runs N] [--threads N] [--quick] [--bin PATH]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
commits=20000 files=1500 runs=5 threads=2 bin=$root/build/tools/keysweep
while (($#)); do
  case $1 in
    --commits) commits=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --quick) commits=5000; files=600; runs=3; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $bin ]] || "$root/tools/setup" >&2
work=$root/bench/work
corpus=$work/git-history-$commits-$files
repo=$corpus/repo
if [[ ! -f $corpus/.complete ]]; then
  python3 "$root/corpus/gen_git_history.py" "$corpus" --commits "$commits" --files "$files"
  touch "$corpus/.complete"
fi
export XDG_CACHE_HOME=$work/cache

# Rules for the planted formats, under ids of their own, on top of the built-in set.
rules=$work/git_bench_rules.toml
cat > "$rules" <<'TOML'
provider = "Bench"
[[rule]]
id = "bench-github-pat"
name = "GitHub PAT (bench)"
category = "vcs"
confidence = "high"
pattern = '''\b(ghp_[A-Za-z0-9]{36})\b'''
negative = ['ghp_1234', 'ghp_short']
  [[rule.positive]]
  text = 'GITHUB_TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"'
  secret = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'
  [[rule.positive]]
  text = 'ghp_26C7e42F292c6912E7710c838347Ae178B4a'
  secret = 'ghp_26C7e42F292c6912E7710c838347Ae178B4a'
[[rule]]
id = "bench-aws-access-key"
name = "AWS access key id (bench)"
category = "cloud"
confidence = "high"
pattern = '''\b((?:AKIA|ASIA)[A-Z2-7]{16})\b'''
negative = ['AKIA1234', 'AKIAxxxxxxxxxxxxxxxx']
  [[rule.positive]]
  text = 'aws_access_key_id = AKIAQX7HZ2K4M5N6P3RT'
  secret = 'AKIAQX7HZ2K4M5N6P3RT'
  [[rule.positive]]
  text = 'AKIAZ2Y7W3V4U5T6S7QR'
  secret = 'AKIAZ2Y7W3V4U5T6S7QR'
[[rule]]
id = "bench-slack-bot-token"
name = "Slack bot token (bench)"
category = "messaging"
confidence = "high"
pattern = '''\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24})\b'''
negative = ['xoxb-123', 'xoxb-xxxx']
  [[rule.positive]]
  text = 'SLACK_BOT_TOKEN = "xoxb-312007539473-5802080633228-jcvF0dkU9YtgKnqSGw0Bf7xi"'
  secret = 'xoxb-312007539473-5802080633228-jcvF0dkU9YtgKnqSGw0Bf7xi'
  [[rule.positive]]
  text = 'xoxb-412007539473-5802080633228-jcvF0dkU9YtgKnqSGw0Bf7xi'
  secret = 'xoxb-412007539473-5802080633228-jcvF0dkU9YtgKnqSGw0Bf7xi'
[[rule]]
id = "bench-stripe-live-key"
name = "Stripe live key (bench)"
category = "payments"
confidence = "high"
pattern = '''\b(sk_live_[A-Za-z0-9]{24,99})\b'''
negative = ['sk_live_short', 'sk_test_xxxxxxxxxxxxxxxxxxxxxxxx']
  [[rule.positive]]
  text = 'stripe.api_key = "sk_live_EVknOz8tV9W2qyi7OpNqtqfn"'
  secret = 'sk_live_EVknOz8tV9W2qyi7OpNqtqfn'
  [[rule.positive]]
  text = 'sk_live_FVknOz8tV9W2qyi7OpNqtqfn'
  secret = 'sk_live_FVknOz8tV9W2qyi7OpNqtqfn'
TOML

# Wall and CPU (user + sys) seconds of "$@". On a shared machine the CPU figure is the steadier one.
time_cmd() {
  /usr/bin/time -f '%e %U %S' -o "$work/time.out" "$@" > /dev/null 2>&1 || true
  tail -n 1 "$work/time.out" | awk '{printf "%s %.2f\n", $1, $2 + $3}'  # after any "exited with" line
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

cat_file=(git -C "$repo" cat-file --batch-all-objects --batch --unordered)
ks_git=("$bin" git -q --threads "$threads" --rules "$rules" --format jsonl --no-redact -o "$work/git_bench.jsonl" "$repo")

read -r blobs blob_bytes < <(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1 == "blob" {n++; s += $2} END {print n, s}')
n_commits=$(git -C "$repo" rev-list --all | wc -l)
pack_mb=$(du -sm "$repo/.git/objects" | cut -f1)

"${cat_file[@]}" > /dev/null; "${ks_git[@]}" || true  # warm the page cache and the rules database cache
cat_t=() ks_t=() cat_cpu=() ks_cpu=()
for ((i = 0; i < runs; i++)); do
  read -r w c < <(time_cmd "${cat_file[@]}"); cat_t+=("$w"); cat_cpu+=("$c")
  read -r w c < <(time_cmd "${ks_git[@]}"); ks_t+=("$w"); ks_cpu+=("$c")
done
cat_med=$(printf '%s\n' "${cat_t[@]}" | median)
ks_med=$(printf '%s\n' "${ks_t[@]}" | median)
cat_cpu_med=$(printf '%s\n' "${cat_cpu[@]}" | median)
ks_cpu_med=$(printf '%s\n' "${ks_cpu[@]}" | median)
ratio=$(echo "$ks_med / $cat_med" | bc -l)
cpu_ratio=$(echo "$ks_cpu_med / $cat_cpu_med" | bc -l)
mbps=$(echo "$blob_bytes / 1000000 / $ks_med" | bc -l)
cat_mbps=$(echo "$blob_bytes / 1000000 / $cat_med" | bc -l)
blobs_s=$(echo "$blobs / $ks_med" | bc -l)
rss_kb=$( { /usr/bin/time -v "$bin" git -q --threads "$threads" --rules "$rules" --format jsonl "$repo" > /dev/null || true; } 2>&1 \
  | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')
cat_rss_kb=$( { /usr/bin/time -v git -C "$repo" cat-file --batch-all-objects --batch --unordered > /dev/null || true; } 2>&1 \
  | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')

# Recall: every planted secret found, and its planting commit among the finding's commits.
"${ks_git[@]}" || true
recall=$(python3 - "$corpus/labels.jsonl" "$work/git_bench.jsonl" <<'PY'
import json, sys
found = {}
for line in open(sys.argv[2]):
    f = json.loads(line)
    commits = found.setdefault(f["secret"], set())
    for o in f["occurrences"]:
        commits.update(c["commit"] for c in o.get("commits", []))
labels = [json.loads(l) for l in open(sys.argv[1])]
missed = [l for l in labels if l["secret"] not in found]
wrong = [l for l in labels if l["secret"] in found and l["commit"] not in found[l["secret"]]]
print(len(labels), len(missed), len(wrong))
for l in missed[:5]: print("missed:", l, file=sys.stderr)
for l in wrong[:5]: print("wrong provenance:", l, file=sys.stderr)
PY
)
read -r planted missed wrong <<< "$recall"

# CI mode: --since-commit over the last N first-parent commits must report exactly the secrets
# planted by commits in that range (no old ones, none missed).
ci_rows=()
ci_bad=0
for n in 100 1000 $((n_commits / 2)); do
  git -C "$repo" rev-parse -q --verify "HEAD~$n" > /dev/null || continue
  git -C "$repo" rev-list "HEAD~$n..HEAD" > "$work/range_commits.txt"
  read -r w c < <(time_cmd "$bin" git -q --threads "$threads" --rules "$rules" --format jsonl --no-redact \
    -o "$work/git_range.jsonl" --since-commit "HEAD~$n" "$repo")
  read -r ci_commits ci_expected ci_missing ci_extra < <(python3 - "$corpus/labels.jsonl" "$work/git_range.jsonl" \
    "$work/range_commits.txt" <<'PY'
import json, sys
in_range = set(open(sys.argv[3]).read().split())
planted = {l["secret"] for l in map(json.loads, open(sys.argv[1])) if l["commit"] in in_range}
labelled = {json.loads(l)["secret"] for l in open(sys.argv[1])}
got = {json.loads(l)["secret"] for l in open(sys.argv[2])} & labelled
print(len(in_range), len(planted), len(planted - got), len(got - planted))
PY
  )
  ci_rows+=("$(printf '| --since-commit HEAD~%s (%s commits) | %s s | %s planted: %s missed, %s old ones reported |' \
    "$n" "$ci_commits" "$w" "$ci_expected" "$ci_missing" "$ci_extra")")
  ((ci_missing == 0 && ci_extra == 0)) || ci_bad=1
done

printf '\n## keysweep git vs git cat-file (%s commits, %s blobs, %s MB of blob content, %s MB packed; %s threads, %s runs, median)\n\n' \
  "$n_commits" "$blobs" "$((blob_bytes / 1000000))" "$pack_mb" "$threads" "$runs"
printf '| measure | keysweep git | cat-file --batch-all-objects | ratio |\n|---|---|---|---|\n'
printf '| wall time | %.2f s | %.2f s | %.2fx |\n' "$ks_med" "$cat_med" "$ratio"
printf '| CPU time (user + sys) | %.2f s | %.2f s | %.2fx |\n' "$ks_cpu_med" "$cat_cpu_med" "$cpu_ratio"
printf '| blob content | %.0f MB/s | %.0f MB/s | |\n' "$mbps" "$cat_mbps"
printf '| blobs | %.0f blobs/s | | |\n' "$blobs_s"
printf '| peak RSS | %s MB | %s MB | |\n' "$((rss_kb / 1024))" "$((cat_rss_kb / 1024))"
printf '| planted secrets found | %s of %s (%s with wrong provenance) | | |\n' "$((planted - missed))" "$planted" "$wrong"
printf '\n| CI mode | wall time | result |\n|---|---|---|\n'
printf '%s\n' "${ci_rows[@]}"
printf '\nruns, wall (s): keysweep %s; cat-file %s\n' "${ks_t[*]}" "${cat_t[*]}"
printf 'runs, CPU (s): keysweep %s; cat-file %s\n' "${ks_cpu[*]}" "${cat_cpu[*]}"
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
((missed == 0 && wrong == 0 && ci_bad == 0)) || exit 1
