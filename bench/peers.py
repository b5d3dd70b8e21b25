#!/usr/bin/env python3
"""The peer pipelines storydedup is compared with, as users write them today.

  peers.py copy-rensa      DOCS.jsonl OUT.csv [THRESHOLD]   MinHash 128 + LSH (rensa), union-find
  peers.py copy-datasketch DOCS.jsonl OUT.csv [THRESHOLD]   MinHash 128 + LSH (datasketch), union-find
  peers.py story-sklearn   DOCS.jsonl OUT.csv [THRESHOLD]   TF-IDF + all-pairs cosine + average linkage

Tokenisation matches storydedup's word shingles closely: lower-cased runs of letters and
digits (apostrophes and hyphens inside words kept), word 5-shingles. Output: id,cluster.
"""
import csv
import json
import re
import sys

WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*", re.UNICODE)


def read(path):
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                ids.append(str(d["id"]))
                texts.append(d.get("text") or "")
    return ids, texts


def shingles(text, k=5):
    words = WORD.findall(text.lower())
    if len(words) < k:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + k]) for i in range(len(words) - k + 1)]


def union_find(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def write(out, ids, labels):
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "cluster"])
        for i, c in zip(ids, labels):
            w.writerow([i, c])


def copy_rensa(ids, texts, t):
    from rensa import RMinHash, RMinHashLSH
    # 32 bands of 4 rows: the S-curve rises around 0.42, so pairs at 0.5 are found (16
    # bands would put it at 0.71 and miss most of them).
    lsh = RMinHashLSH(threshold=t, num_perm=128, num_bands=32)
    sigs = []
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=128, seed=42)
        m.update(shingles(text))
        sigs.append(m)
        lsh.insert(i, m)
    pairs = []
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i and m.jaccard(sigs[j]) >= t:
                pairs.append((i, j))
    return union_find(len(ids), pairs)


def copy_datasketch(ids, texts, t):
    from datasketch import MinHash, MinHashLSH
    lsh = MinHashLSH(threshold=t, num_perm=128)
    sigs = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=128, seed=42)
        for s in shingles(text):
            m.update(s.encode("utf-8"))
        sigs.append(m)
        lsh.insert(str(i), m)
    pairs = []
    for i, m in enumerate(sigs):
        for key in lsh.query(m):
            j = int(key)
            if j > i and m.jaccard(sigs[j]) >= t:
                pairs.append((i, j))
    return union_find(len(ids), pairs)


def story_sklearn(ids, texts, t):
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    sim = (x @ x.T).toarray()
    dist = 1.0 - sim
    dist[dist < 0] = 0
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - t)
    return model.fit_predict(dist)


def main():
    mode, src, out = sys.argv[1:4]
    ids, texts = read(src)
    if mode == "copy-rensa":
        labels = copy_rensa(ids, texts, float(sys.argv[4]) if len(sys.argv) > 4 else 0.5)
    elif mode == "copy-datasketch":
        labels = copy_datasketch(ids, texts, float(sys.argv[4]) if len(sys.argv) > 4 else 0.5)
    elif mode == "story-sklearn":
        labels = story_sklearn(ids, texts, float(sys.argv[4]) if len(sys.argv) > 4 else 0.3)
    else:
        sys.exit(f"unknown mode {mode}")
    write(out, ids, labels)


if __name__ == "__main__":
    main()
