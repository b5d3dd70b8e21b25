#!/usr/bin/env bash
# Side-by-side benchmark: storydedup against the peer pipelines users run today, in one run
# on this machine. Prints wall time, throughput, peak RSS (/usr/bin/time) and pairwise F1
# against the generated labels, plus the read-and-hash floor.
#
#   bash bench/run.sh [COPY_DOCS] [STORY_DOCS]      (defaults: 160000 and 10000)
#
# COPY_DOCS=0 runs the story level only, STORY_DOCS=0 the copy level only; SKIP_DATASKETCH=1
# leaves out datasketch (5+ minutes at 160k documents). REPEAT=N (default 3) runs each
# timed command N times, storydedup and its peer taking turns, and reports the median wall
# time (and the largest peak RSS): on a shared machine one run can be slowed by a third
# by what else runs, and taking turns exposes both tools to the same spells. Each round's
# own ratio is printed too.
#
# Needs python3 (a virtualenv with rensa, datasketch and scikit-learn is created in
# bench/.venv) and /usr/bin/time. Corpora are generated into bench/out/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
COPY_DOCS=${1:-160000}
STORY_DOCS=${2:-10000}
BIG_STORY_DOCS=$((STORY_DOCS * 5))
REPEAT=${REPEAT:-3}
OUT=bench/out
mkdir -p "$OUT"

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q rensa datasketch scikit-learn
fi
# Peers run with OpenBLAS's core-type overrides removed: this machine sets them for old
# OpenBLAS builds, and they slow a current numpy (scikit-learn all pairs: 13.8 s with them,
# 10.7 s without), which would flatter storydedup.
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bench/.venv/bin/python"
cargo build --release -q --bin storydedup --example floor
SD=target/release/storydedup

gen() { # mode docs
  local dir="$OUT/$1-$2"
  [ -f "$dir/docs.jsonl" ] || python3 bench/gen_corpus.py --docs "$2" --mode "$1" --out "$dir" -q
  echo "$dir"
}
if [ "$COPY_DOCS" -gt 0 ]; then
  COPY=$(gen copy "$COPY_DOCS")
fi
if [ "$STORY_DOCS" -gt 0 ]; then
  STORY=$(gen story "$STORY_DOCS")
  BIG=$(gen story "$BIG_STORY_DOCS")
fi

# Reads a corpus untimed just before a timed run, so every run reads it from the page
# cache: this machine evicts pages it has not touched for a while (buff/cache stays small
# even with 20 GB free), and a run that met an evicted corpus also timed the disk (a first
# round at 9.5x against 12.0x and 12.5x).
warm() { cat "$@" > /dev/null; }
# One timed run: appends "wall rss" to the file.
timed() { # times-file command...
  local t=$1 one
  shift
  one=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$one" "$@"
  cat "$one" >> "$t"
  rm -f "$one"
}
# The median wall time and the largest peak RSS of a times file.
median() { # times-file
  sort -n "$1" | awk '{w[NR]=$1; if ($2>m) m=$2} END {print w[int((NR+1)/2)], m}'
}
printf '%-34s %8s %8s %9s %8s %10s %8s\n' tool docs MB "wall s" "MB/s" "peak MB" F1
row() { # name dir pred.csv times-file
  local mb wall rss f1 docs
  docs=$(wc -l < "$2/docs.jsonl")
  mb=$(du -m "$2/docs.jsonl" | cut -f1)
  read -r wall rss < <(median "$4")
  f1=$($SD eval --truth "$2/truth.csv" --pred "$3" -f json | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["pairwise"]["f1"], 4))')
  printf '%-34s %8s %8s %9.2f %8.1f %10.0f %8s\n' "$1" "$docs" "$mb" "$wall" "$(echo "$mb / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$f1"
}
# Each round's ratio of the peer's wall time to ours, and the ratio of the medians.
ratios() { # label ours-times peer-times
  local per
  per=$(paste -d' ' "$2" "$3" | awk '{printf "%s%.1fx", (NR>1?" ":""), $3/$1}')
  echo "  $1: $(paste <(median "$3") <(median "$2") | awk '{printf "%.1fx", $1/$3}') (medians); rounds: $per"
}

if [ "$COPY_DOCS" -gt 0 ]; then
# Copy level: near-duplicate groups, word 5-shingle Jaccard 0.5. The default engine
# (auto: LSH at this size) and rensa take turns; then the exact engine once, for the
# recall LSH gives up.
rm -f "$OUT"/t1 "$OUT"/t2 "$OUT"/t0 "$OUT"/t3
for _ in $(seq "$REPEAT"); do
  warm "$COPY/docs.jsonl"
  timed "$OUT/t1" $SD cluster -q -m jaccard --shingle word:5 -t 0.5 -f csv -o "$OUT/sd-copy.csv" "$COPY/docs.jsonl"
  warm "$COPY/docs.jsonl"
  timed "$OUT/t2" $PY bench/peers.py copy-rensa "$COPY/docs.jsonl" "$OUT/rensa.csv" 0.5
done
row "storydedup -m jaccard -t 0.5" "$COPY" "$OUT/sd-copy.csv" "$OUT/t1"
warm "$COPY/docs.jsonl"
timed "$OUT/t0" $SD cluster -q -m jaccard --shingle word:5 -t 0.5 --candidates all-pairs -f csv -o "$OUT/sd-copy-exact.csv" "$COPY/docs.jsonl"
row "storydedup ... --candidates all-pairs" "$COPY" "$OUT/sd-copy-exact.csv" "$OUT/t0"
row "rensa MinHash 128 + LSH" "$COPY" "$OUT/rensa.csv" "$OUT/t2"
if [ -z "${SKIP_DATASKETCH:-}" ]; then
  warm "$COPY/docs.jsonl"
  timed "$OUT/t3" $PY bench/peers.py copy-datasketch "$COPY/docs.jsonl" "$OUT/datasketch.csv" 0.5
  row "datasketch MinHash 128 + LSH" "$COPY" "$OUT/datasketch.csv" "$OUT/t3"
fi
ratios "storydedup against rensa" "$OUT/t1" "$OUT/t2"
echo "LSH against exact all-pairs (pairs of documents put together):"
echo "  $($SD eval --truth "$OUT/sd-copy-exact.csv" --pred "$OUT/sd-copy.csv" | grep pairwise)"
fi

if [ "$STORY_DOCS" -gt 0 ]; then
# Story level: independent reports of one event, default settings against TF-IDF, taking
# turns; then 5x the documents.
rm -f "$OUT"/t4 "$OUT"/t5 "$OUT"/t6
for _ in $(seq "$REPEAT"); do
  warm "$STORY/docs.jsonl"
  timed "$OUT/t4" $SD cluster -q -f csv -o "$OUT/sd-story.csv" "$STORY/docs.jsonl"
  warm "$STORY/docs.jsonl"
  timed "$OUT/t5" $PY bench/peers.py story-sklearn "$STORY/docs.jsonl" "$OUT/sklearn.csv" 0.3
  warm "$BIG/docs.jsonl"
  timed "$OUT/t6" $SD cluster -q -f csv -o "$OUT/sd-story-big.csv" "$BIG/docs.jsonl"
done
row "storydedup (default)" "$STORY" "$OUT/sd-story.csv" "$OUT/t4"
row "scikit-learn TF-IDF all pairs" "$STORY" "$OUT/sklearn.csv" "$OUT/t5"
row "storydedup (default), 5x docs" "$BIG" "$OUT/sd-story-big.csv" "$OUT/t6"
ratios "storydedup against scikit-learn" "$OUT/t4" "$OUT/t5"
echo "  5x the documents cost $(paste <(median "$OUT/t6") <(median "$OUT/t4") | awk '{printf "%.1fx", $1/$3}') the time (medians; target at most 7x)"
fi

if [ "$COPY_DOCS" -gt 0 ]; then
  echo
  echo "floor on the copy corpus:"
  warm "$COPY/docs.jsonl"
  /usr/bin/time -f '  cat > /dev/null: %e s' cat "$COPY/docs.jsonl" > /dev/null
  echo "  $(target/release/examples/floor "$COPY/docs.jsonl")"
fi
