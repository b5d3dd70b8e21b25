#!/usr/bin/env bash
# Issue 15's cost check, in one run on one machine: adding 10,000 dated articles to a story
# index of 200,000 (a year of a generated feed) against one `cluster` run on the 10,000
# alone, and a query of one article. The feed (bench/gen_corpus.py, 210,000 articles over
# 383 days, fixed seed) is made once under bench/out/; the 10,000 are its last 18 days.
#
#   bash bench/index.sh            (REPEAT=3 by default: medians and every round's ratio)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/storydedup}
REPEAT=${REPEAT:-3}
OUT=bench/out
feed=$OUT/feed-210000/docs.jsonl
[ -x "$BIN" ] || cargo build --release
[ -f "$feed" ] || python3 bench/gen_corpus.py --docs 210000 --days 383 --out "$OUT/feed-210000"
head -n 200000 "$feed" > "$OUT/feed-base.jsonl"
tail -n 10000 "$feed" > "$OUT/feed-new.jsonl"
tail -n 1 "$feed" | sed 's/"id":"/"id":"q-/' > "$OUT/feed-one.jsonl"
secs() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
base=$OUT/feed-base.db
if [ ! -f "$base" ]; then
  rm -f "$base" "$base-wal" "$base-shm"
  read -r t m < <(secs "$BIN" index add --db "$base" "$OUT/feed-base.jsonl" -q)
  echo "index of 200,000: built in $t s, peak RSS $((m / 1024)) MB, $(du -m "$base" | cut -f1) MB on disk"
fi
adds=(); clusters=(); queries=()
for r in $(seq "$REPEAT"); do
  cp "$base" "$OUT/feed-run.db"
  cat "$OUT/feed-new.jsonl" > /dev/null
  read -r ta ma < <(secs "$BIN" index add --db "$OUT/feed-run.db" "$OUT/feed-new.jsonl" -q)
  read -r tc mc < <(secs "$BIN" cluster "$OUT/feed-new.jsonl" -f csv -o "$OUT/feed-new.csv" -q)
  read -r tq mq < <(secs "$BIN" index query --db "$OUT/feed-run.db" "$OUT/feed-one.jsonl" -f csv -q)
  echo "round $r: add 10,000 to 200,000 $ta s ($((ma / 1024)) MB), cluster the 10,000 $tc s ($((mc / 1024)) MB): $(echo "scale=2; $ta / $tc" | bc)x; query one article $tq s"
  adds+=("$ta"); clusters+=("$tc"); queries+=("$tq")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ma=$(median "${adds[@]}"); mc=$(median "${clusters[@]}"); mq=$(median "${queries[@]}")
echo "median: add $ma s, cluster $mc s, ratio $(echo "scale=2; $ma / $mc" | bc)x (target at most 3x); query $mq s"
rm -f "$OUT/feed-run.db" "$OUT/feed-run.db-wal" "$OUT/feed-run.db-shm"
