#!/usr/bin/env bash
# Builds a folder of real, secret-free source text for benchmarks and false-positive counts:
# the system's C/C++ headers and the Python and Perl standard libraries, copied (and, to reach the
# requested size, copied again under numbered folders). Deterministic for a given machine; cached.
#   corpus/make_source_corpus.sh OUT_DIR SIZE_MB
set -euo pipefail
out=${1:?usage: make_source_corpus.sh OUT_DIR SIZE_MB}
size_mb=${2:?usage: make_source_corpus.sh OUT_DIR SIZE_MB}
stamp=$out/.complete-$size_mb
[[ -f $stamp ]] && exit 0
rm -rf "$out"
mkdir -p "$out"
list=$(mktemp)
trap 'rm -f "$list"' EXIT
for d in /usr/include /usr/lib/python3.11 /usr/lib/python3 /usr/share/perl /usr/lib/x86_64-linux-gnu/perl; do
  [[ -d $d ]] || continue
  find "$d" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.hh' -o -name '*.c' -o -name '*.cc' \
       -o -name '*.py' -o -name '*.pl' -o -name '*.pm' -o -name '*.tcc' \) -size -2M -print
done | LC_ALL=C sort > "$list"
target=$((size_mb * 1000 * 1000))
total=0 copy=0
while ((total < target)); do
  dest=$out/copy$copy
  while IFS= read -r f && ((total < target)); do
    rel=${f#/}
    mkdir -p "$dest/$(dirname "$rel")"
    cp "$f" "$dest/$rel"
    total=$((total + $(stat -c %s "$f")))
  done < "$list"
  copy=$((copy + 1))
  (( $(wc -l < "$list") > 0 )) || { echo "no source files found" >&2; exit 1; }
done
touch "$stamp"
echo "corpus: $out, $((total / 1000000)) MB in $(find "$out" -type f | wc -l) files" >&2
