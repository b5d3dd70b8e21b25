#!/usr/bin/env bash
# Fingerprints every output of a storydedup binary on the fixtures and a generated
# collection, so a refactor can show its outputs are byte-identical to before:
#
#   bench/identical.sh OLD_BINARY > /tmp/before.txt
#   bench/identical.sh target/release/storydedup > /tmp/after.txt
#   diff /tmp/before.txt /tmp/after.txt && echo identical
#
# The generated collection (10,000 dated articles, bench/gen_corpus.py, fixed seed) is
# made once under bench/out/. Each line: a SHA-256 of one output, then the command.
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
gen="$here/out/story-10000/docs.jsonl"
if [ ! -f "$gen" ]; then
    python3 "$here/gen_corpus.py" --docs 10000 --out "$here/out/story-10000" >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
    # Everything the command writes: stdout, then the output file when there is one.
    "$bin" "$@" > "$tmp/out" 2> /dev/null || echo "exit $?" >> "$tmp/out"
    printf '%s  %s\n' "$(sha256sum < "$tmp/out" | cut -c1-16)" "$*" | sed "s#$root/##g"
}
cd "$root"
inputs=(seeds fixtures/news fixtures/events3 fixtures/events4 fixtures/txt "$gen")
for input in "${inputs[@]}"; do
    for f in table csv json; do
        run cluster "$input" -f "$f"
        run cluster "$input" -f "$f" -m jaccard
    done
    run cluster "$input" -f csv -m containment
    run cluster "$input" -f csv -m jaccard --shingle char:4
    run cluster "$input" -f csv --window 0
    run dedup "$input"
    run dedup "$input" --level copy --report -
done
for input in seeds fixtures/news fixtures/events4; do
    run matrix "$input"
    run matrix "$input" -f long
    run matrix "$input" -f long -m jaccard
    run report "$input" -o -
done
run matrix "$gen" -f long --min-score 0.3
a=$(head -1 "$gen" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])')
b=$(sed -n 2p "$gen" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])')
run diff seeds/*
run diff seeds/* -f json
run diff --corpus "$gen" "$a" "$b" -f json
