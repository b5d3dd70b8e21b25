#!/usr/bin/env python3
"""Story judgement on mixes of the real collections in ../shared/data (never copied here).

Usage: bench/mixes.py [--bin PATH]... (default target/release/storydedup)

Users' collections mix kinds: headlines, wire notices, long articles; big stories and
small. A default tuned on each collection alone can fail on a mix (a correction centred
on one typical document penalises the kind that is denser by nature). Each mix below is
the union of some collections (ids prefixed, order shuffled with a fixed seed, `frac` of
each kept); every binary clusters it with default settings, and each collection is scored
by ARI within the mix, against its own truth. Several --bin run side by side. Needs
scikit-learn (bench/.venv from bench/run.sh).
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

from sklearn.metrics import adjusted_rand_score

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
SETS = {
    "neus": ("neus-allsides-train/docs.jsonl", "neus-allsides-train/truth.csv"),
    "ecbplus": ("ecbplus-dev/docs.jsonl", "ecbplus-dev/truth.csv"),
    "templates": ("reuters-dev/templates.jsonl", "reuters-dev/templates_truth.csv"),
    "uci": ("uci-headlines/docs.jsonl", "uci-headlines/clusters.csv"),
}
MIXES = [(["neus", "ecbplus", "templates", "uci"], 1.0), (["neus", "ecbplus"], 0.5),
         (["ecbplus", "templates"], 1.0), (["neus"], 1.0), (["ecbplus"], 1.0),
         (["templates"], 1.0), (["uci"], 1.0)]


def labels(path):
    rows = list(csv.DictReader(open(path)))
    column = "cluster" if "cluster" in rows[0] else [c for c in rows[0] if c != "id"][0]
    return {r["id"]: r[column] for r in rows}


def build(names, frac, out, seed=1):
    rng = random.Random(seed)
    docs, truth = [], {}
    for name in names:
        text, truth_file = SETS[name]
        known = labels(os.path.join(DATA, truth_file))
        for line in open(os.path.join(DATA, text)):
            d = json.loads(line)
            if rng.random() > frac:
                continue
            original = str(d["id"])
            d["id"] = f"{name}:{original}"
            truth[d["id"]] = (name, known.get(original))
            docs.append(d)
    rng.shuffle(docs)
    with open(out, "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    return truth


def scores(binary, path, truth):
    out = subprocess.run([binary, "cluster", "-q", "-f", "csv", path], capture_output=True,
                         text=True, check=True).stdout
    pred = {r["id"]: r["cluster"] for r in csv.DictReader(out.splitlines())}
    result = {}
    for name in sorted({v[0] for v in truth.values()}):
        ids = [i for i, v in truth.items() if v[0] == name and v[1] is not None]
        result[name] = adjusted_rand_score([truth[i][1] for i in ids], [pred[i] for i in ids])
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", action="append", help="storydedup binary (repeatable)")
    args = ap.parse_args()
    bins = args.bin or [os.path.join(HERE, "..", "target", "release", "storydedup")]
    if not os.path.isdir(DATA):
        sys.exit(f"no data at {DATA}")
    with tempfile.TemporaryDirectory() as tmp:
        for names, frac in MIXES:
            path = os.path.join(tmp, "mix.jsonl")
            truth = build(names, frac, path)
            label = "+".join(names) + ("" if frac == 1.0 else f" ({frac:g} of each)")
            for b in bins:
                got = scores(b, path, truth)
                print(f"{label:45} {os.path.basename(os.path.dirname(os.path.dirname(b))) or b:>12}  "
                      + "  ".join(f"{k} {v:.3f}" for k, v in got.items()), flush=True)


if __name__ == "__main__":
    main()
