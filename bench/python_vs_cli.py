#!/usr/bin/env python3
"""`storydedup.cluster` (Python) against `storydedup cluster -f csv` (the command line) on
the same generated articles, side by side, REPEAT rounds (issue 16: at most 1.2x).

  python bench/python_vs_cli.py [--docs 10000] [--repeat 3]

Needs the package installed (`pip install ./python`) and the release binary. The Python
time is the call on a DataFrame already in memory (the JSON lines handed to Rust, the run,
the CSV read back into pandas); the command line's is the whole process (reading the file,
the run, writing the CSV).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import storydedup

ROOT = Path(__file__).resolve().parents[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--docs", type=int, default=10000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    binary = os.environ.get("STORYDEDUP_BIN", str(ROOT / "target" / "release" / "storydedup"))
    corpus = ROOT / "bench" / "out" / f"story-{args.docs}" / "docs.jsonl"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--docs",
                        str(args.docs), "--out", str(corpus.parent)], check=True)
    docs = pd.read_json(corpus, lines=True, dtype=False)
    py_times, cli_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clusters.csv"
        for r in range(args.repeat):
            t = time.perf_counter()
            got = storydedup.cluster(docs)
            py_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([binary, "cluster", str(corpus), "-f", "csv", "-o", str(out), "-q"],
                           check=True)
            cli_times.append(time.perf_counter() - t)
            print(f"round {r + 1}: python {py_times[-1]:.2f} s, command line "
                  f"{cli_times[-1]:.2f} s: {py_times[-1] / cli_times[-1]:.2f}x")
        want = pd.read_csv(out, dtype=storydedup.CLUSTER_DTYPES)
        pd.testing.assert_frame_equal(got, want)
    py, cl = statistics.median(py_times), statistics.median(cli_times)
    print(f"{len(docs):,} articles: python {py:.2f} s, command line {cl:.2f} s, "
          f"{py / cl:.2f}x (target at most 1.2x); outputs equal")


if __name__ == "__main__":
    main()
