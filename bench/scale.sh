#!/usr/bin/env bash
# Story level at scale (issue 14): how time and memory grow with the collection, measured in
# one run on this machine, default settings, `cluster -f csv`.
#
#   bash bench/scale.sh            real mixes 10k/50k, scikit-learn on 10k, generated 100k
#   BIG=1 bash bench/scale.sh      also 1,000,000 generated dated articles over a year
#                                  (generating them takes about 5 minutes, 2.3 GB)
#
# Real mixes: bench/real_mix.py builds them from ../shared/data (undated, so no window
# narrows the search; see its docstring for what goes in). Each storydedup run is repeated
# REPEAT times (default 3), the sizes taking turns, and the median wall time reported with
# the largest peak RSS; stage times are those of the last run (`--verbose`). Needs python3,
# /usr/bin/time, and for the peer a virtualenv with scikit-learn (bench/.venv, created here).
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
OUT=bench/out
DATA=${DATA:-../shared/data}
mkdir -p "$OUT"
cargo build --release -q --bin storydedup
SD=target/release/storydedup

[ -f "$OUT/real-stories-10000.jsonl" ] || python3 bench/real_mix.py --data "$DATA" --out "$OUT" > /dev/null
gen() { # docs days
  local dir="$OUT/year-$1"
  [ -f "$dir/docs.jsonl" ] || python3 bench/gen_corpus.py --docs "$1" --mode story --days "$2" --out "$dir" -q
  echo "$dir/docs.jsonl"
}

# One timed run: appends "wall rss" to the times file, keeps the stage lines.
timed() { # times-file stages-file args...
  local t=$1 s=$2 one
  shift 2
  one=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$one" $SD cluster --verbose -f csv -o "$OUT/scale.csv" "$@" 2> "$s.raw"
  grep -E 'documents read|candidates: [0-9]|clusters:|not walked|closest pairs' "$s.raw" > "$s" || true
  cat "$one" >> "$t"
  rm -f "$one" "$s.raw"
}
median() { sort -n "$1" | awk '{w[NR]=$1; if ($2>m) m=$2} END {print w[int((NR+1)/2)], m}'; }
row() { # label times-file stages-file
  local wall rss
  read -r wall rss < <(median "$2")
  printf '%-40s %8.2f s %8.0f MB\n' "$1" "$wall" "$(echo "$rss / 1024" | bc -l)"
  sed 's/^storydedup: /    /' "$3"
}

rm -f "$OUT"/scale.t* "$OUT"/scale.s*
for _ in $(seq "$REPEAT"); do
  cat "$OUT/real-10000.jsonl" > /dev/null
  timed "$OUT/scale.t10" "$OUT/scale.s10" "$OUT/real-10000.jsonl"
  cat "$OUT/real-stories-10000.jsonl" > /dev/null
  timed "$OUT/scale.ts10" "$OUT/scale.ss10" "$OUT/real-stories-10000.jsonl"
  cat "$OUT/real-50000.jsonl" > /dev/null
  timed "$OUT/scale.t50" "$OUT/scale.s50" "$OUT/real-50000.jsonl"
done
row "real mix, 10,000 (undated)" "$OUT/scale.t10" "$OUT/scale.s10"
row "real mix, a fifth of the stories" "$OUT/scale.ts10" "$OUT/scale.ss10"
row "real mix, 50,000 (undated)" "$OUT/scale.t50" "$OUT/scale.s50"
echo "  5x the documents cost $(paste <(median "$OUT/scale.t50") <(median "$OUT/scale.t10") | awk '{printf "%.1fx", $1/$3}') the time (target at most 6x)"
echo "  5x the stories cost $(paste <(median "$OUT/scale.t50") <(median "$OUT/scale.ts10") | awk '{printf "%.1fx", $1/$3}') the time"

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q scikit-learn
fi
# As in bench/run.sh: OpenBLAS core-type overrides slow a current numpy.
/usr/bin/time -f '%e %M' -o "$OUT/scale.tsk" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  bench/.venv/bin/python bench/peers.py story-sklearn "$OUT/real-10000.jsonl" "$OUT/sklearn.csv" 0.3
read -r skwall skrss < "$OUT/scale.tsk"
printf '%-40s %8.2f s %8.0f MB\n' "scikit-learn TF-IDF all pairs, 10,000" "$skwall" "$(echo "$skrss / 1024" | bc -l)"
echo "  storydedup on 50,000 takes $(paste <(median "$OUT/scale.t50") "$OUT/scale.tsk" | awk '{printf "%.2f", $1/$3}') of scikit-learn's time on 10,000 (target at most 0.25)"

Y100=$(gen 100000 365)
timed "$OUT/scale.tg1" "$OUT/scale.sg1" "$Y100"
row "generated, 100,000 dated over a year" "$OUT/scale.tg1" "$OUT/scale.sg1"
timed "$OUT/scale.tg2" "$OUT/scale.sg2" --window 0 "$Y100"
row "generated, 100,000 undated (--window 0)" "$OUT/scale.tg2" "$OUT/scale.sg2"
if [ -n "${BIG:-}" ]; then
  Y1M=$(gen 1000000 365)
  timed "$OUT/scale.tg3" "$OUT/scale.sg3" "$Y1M"
  row "generated, 1,000,000 dated over a year" "$OUT/scale.tg3" "$OUT/scale.sg3"
  echo "  10x the documents cost $(paste <(median "$OUT/scale.tg3") <(median "$OUT/scale.tg1") | awk '{printf "%.1fx", $1/$3}') the time (target at most 10x)"
fi
