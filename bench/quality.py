#!/usr/bin/env python3
"""Accuracy of the default settings on the fixtures and, when present, the real data in
../shared/data (never copied into the repository).

Usage: python3 bench/quality.py [--bin target/release/storydedup] [extra storydedup flags...]
Prints one line per data set: ARI for clusterings, Pearson for graded pairs.
"""
import csv, json, math, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "..", "shared", "data")

args = sys.argv[1:]
binary = os.path.join(ROOT, "target", "release", "storydedup")
if args[:1] == ["--bin"]:
    binary, args = args[1], args[2:]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def ari(inputs, truth, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        pred = os.path.join(tmp, "pred.csv")
        run([binary, "cluster", "-q", "-f", "csv", "-o", pred, *extra, *args, *inputs])
        out = json.loads(run([binary, "eval", "--truth", truth, "--pred", pred, "-f", "json"]))
        return out


def matrix_args(a):
    """The flags that `matrix` also takes (clustering ones dropped)."""
    out, skip = [], False
    for i, x in enumerate(a):
        if skip:
            skip = False
        elif x in ("-t", "--threshold", "--linkage"):
            skip = True
        else:
            out.append(x)
    return out


def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy)


def semeval(path):
    with tempfile.TemporaryDirectory() as tmp:
        long = os.path.join(tmp, "long.csv")
        run([binary, "matrix", "-q", "-f", "long", "-o", long, *matrix_args(args), os.path.join(path, "docs.jsonl")])
        scores = {}
        with open(long) as f:
            for row in csv.DictReader(f):
                scores[(row["a"], row["b"])] = float(row["score"])
                scores[(row["b"], row["a"])] = float(row["score"])
    xs, ys = [], []
    with open(os.path.join(path, "pairs.csv")) as f:
        for row in csv.DictReader(f):
            key = (row["id1"], row["id2"])
            if key in scores:
                xs.append(scores[key])
                ys.append(-float(row["overall"]))
    return pearson(xs, ys), len(xs)


def line(name, out):
    print(f"{name:<28} ARI {out['ari']:.4f}  pairwise F1 {out['pairwise']['f1']:.4f}  "
          f"B-cubed F1 {out['bcubed']['f1']:.4f}  clusters {out['clusters'][1]} (truth {out['clusters'][0]})")


line("fixtures/news", ari([os.path.join(ROOT, "fixtures/news/articles.jsonl")], os.path.join(ROOT, "fixtures/news/truth.csv")))
line("fixtures/txt", ari([os.path.join(ROOT, "fixtures/txt")], os.path.join(ROOT, "fixtures/txt-truth.csv")))
for events in ("events3", "events4"):
    base = os.path.join(ROOT, "fixtures", events)
    truth = os.path.join(base, "truth.csv")
    line(f"fixtures/{events}", ari([os.path.join(base, "articles.jsonl")], truth))
    line(f"fixtures/{events} (no dates)", ari([os.path.join(base, "articles-nodates.jsonl")], truth))
if os.path.isdir(DATA):
    uci = os.path.join(DATA, "uci-headlines")
    line("uci-headlines", ari([os.path.join(uci, "docs.jsonl")], os.path.join(uci, "clusters.csv")))
    line("uci-headlines (no dates)", ari([os.path.join(uci, "docs.jsonl")], os.path.join(uci, "clusters.csv"), ["--window", "0"]))
    r, n = semeval(os.path.join(DATA, "semeval-train-pairs"))
    print(f"{'semeval-train-pairs':<28} Pearson(score, -overall) {r:.4f} over {n} pairs")
else:
    print(f"({DATA} not found: real-data figures skipped)")
