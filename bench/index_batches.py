#!/usr/bin/env python3
"""The story index against one `cluster` run (issue 15).

  index_batches.py BINARY DOCS.jsonl TRUTH.csv [BATCHES]

Sorts DOCS by date (undated last), adds them to a fresh index in BATCHES (default 5)
batches with `index add`, then compares `index clusters -f csv` and one `cluster -f csv`
over the same documents with the truth (`id,cluster`): ARI of each and the difference.
Needs pandas and scikit-learn; works in a temporary directory.
"""
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd
from sklearn.metrics import adjusted_rand_score


def main():
    binary, docs_path, truth_path = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    docs = [json.loads(line) for line in open(docs_path, encoding="utf-8") if line.strip()]
    docs.sort(key=lambda d: d.get("date") or "9999")
    with tempfile.TemporaryDirectory() as work:
        db = os.path.join(work, "stories.db")
        per = (len(docs) + n - 1) // n
        for i in range(n):
            batch = os.path.join(work, f"batch{i}.jsonl")
            with open(batch, "w", encoding="utf-8") as f:
                for d in docs[i * per:(i + 1) * per]:
                    f.write(json.dumps(d) + "\n")
            out = subprocess.run([binary, "index", "add", "--db", db, batch, "-q"],
                                 capture_output=True, text=True, check=True)
            print(out.stdout.strip())
        indexed = os.path.join(work, "index.csv")
        once = os.path.join(work, "once.csv")
        subprocess.run([binary, "index", "clusters", "--db", db, "-f", "csv", "-o", indexed,
                        "-q"], check=True)
        subprocess.run([binary, "cluster", docs_path, "-f", "csv", "-o", once, "-q"],
                       check=True)
        truth = pd.read_csv(truth_path, dtype={"id": str, "cluster": str})[["id", "cluster"]]

        def ari(path):
            m = pd.read_csv(path, dtype={"id": str}).merge(truth, on="id")
            return adjusted_rand_score(m.cluster_y, m.cluster_x.astype(str))

        a, b = ari(indexed), ari(once)
        print(f"index, {n} batches: ARI {a:.4f}; one cluster run: {b:.4f}; "
              f"difference {a - b:+.4f}")


if __name__ == "__main__":
    main()
