#!/usr/bin/env python3
"""Builds the real-news mixes the scale benchmark (bench/scale.sh) runs on.

  real_mix.py [--data ../shared/data] [--out bench/out] [--docs 50000]

Writes OUT/real-50000.jsonl and OUT/real-10000.jsonl (every fifth line of the first), both
undated, so no date window narrows the search: the worst case, as a crawl without dates is.
The every-fifth-line cut is five times as dense a feed: each story keeps a fifth of its
reports, so the pairs within it fall 25-fold. OUT/real-stories-10000.jsonl is the other way
a collection grows, a fifth of the stories with every report of each (a fifth of the
time): the labelled collections by their stories (MSRP and SemEval by the pairs that join
their texts), the Reuters archive by runs of 500 consecutive wire items, each derived lead,
rest and paragraph with its article; stories drawn in a seeded order until a fifth of the
documents is reached.

What goes in: every document of every collection in the data folder (Reuters wire archive
and its templates, UCI headlines, NeuS AllSides, ECB+, SemEval, MSRP sentences: about
33,900), plus, for each long article, its lead (title and first paragraph, as a feed's summary
item carries it) and, when long, the rest of its body without title or lead (as a
continuation page or a site that drops the lead does): these pair with their own article
the way summaries, excerpts and full texts do in a real feed; and to make up the count,
single paragraphs (past the first, over 200 characters) of long articles, as short wire
items and quoted excerpts are. The lot is shuffled with a fixed seed and cut
to --docs. Nothing is written into the repository; bench/out is git-ignored.
"""
import argparse
import json
import os
import random

SOURCES = [
    ("reuters", "reuters-dev/docs.jsonl"),
    ("tmpl", "reuters-dev/templates.jsonl"),
    ("uci", "uci-headlines/docs.jsonl"),
    ("neus", "neus-allsides-train/docs.jsonl"),
    ("ecb", "ecbplus-dev/docs.jsonl"),
    ("semeval", "semeval-train-pairs/docs.jsonl"),
    ("msrp", "msrp-train/sentences.jsonl"),
]


def lead(text):
    """The first paragraph (blank-line or indented-line break) of `text`."""
    for sep in ("\n\n", "\n    ", "\n"):
        head = text.split(sep, 1)[0].strip()
        if 0 < len(head) < len(text.strip()):
            return head
    return ""


def paragraphs(text):
    """The paragraphs of `text`: blank-line breaks, or indented lines as the wire has them."""
    sep = "\n\n" if "\n\n" in text else "\n    "
    return [p.strip() for p in text.split(sep) if p.strip()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../shared/data"))
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    p.add_argument("--docs", type=int, default=50000)
    args = p.parse_args()
    docs, pool = [], []
    for tag, rel in SOURCES:
        with open(os.path.join(args.data, rel), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                d = json.loads(line)
                text = d.get("text") or ""
                title = d.get("title") or ""
                docs.append({"id": f"{tag}-{d['id']}", "title": title, "text": text})
                head = lead(text)
                if len(text) > 600 and len(head) > 80:
                    docs.append({"id": f"{tag}-{d['id']}-lead", "title": title, "text": head})
                    rest = text.strip()[len(head):].strip()
                    if len(rest) > 600:
                        docs.append({"id": f"{tag}-{d['id']}-rest", "title": "", "text": rest})
                for k, para in enumerate(paragraphs(text)[1:], 1):
                    if len(para) > 200:
                        pool.append({"id": f"{tag}-{d['id']}-p{k}", "title": "", "text": para})
    rng = random.Random(7)
    rng.shuffle(pool)
    docs += pool[: max(0, args.docs - len(docs))]
    rng.shuffle(docs)
    docs = docs[: args.docs]
    os.makedirs(args.out, exist_ok=True)
    big = os.path.join(args.out, f"real-{len(docs)}.jsonl")
    small = os.path.join(args.out, f"real-{len(docs) // 5}.jsonl")
    with open(big, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(small, "w", encoding="utf-8") as f:
        for d in docs[::5]:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    stories = os.path.join(args.out, f"real-stories-{len(docs) // 5}.jsonl")
    story = story_of(args.data)
    groups = {}
    for d in docs:
        groups.setdefault(story(d["id"]), []).append(d)
    keys = sorted(groups)
    rng.shuffle(keys)
    taken, want = [], len(docs) // 5
    for k in keys:
        if len(taken) >= want:
            break
        taken += groups[k]
    kept = {d["id"] for d in taken}
    with open(stories, "w", encoding="utf-8") as f:
        for d in docs:
            if d["id"] in kept:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(big, small, stories)


def story_of(data):
    """A function from a mix id to its story: the labelled collections' stories, the pairs
    that join MSRP and SemEval texts, runs of 500 Reuters wire items; derived documents
    (`-lead`, `-rest`, `-pN`) with their article."""
    import csv
    import re
    label = {}
    for tag, rel in [("uci", "uci-headlines/clusters.csv"), ("neus", "neus-allsides-train/truth.csv"),
                     ("ecb", "ecbplus-dev/truth.csv"), ("tmpl", "reuters-dev/templates_truth.csv")]:
        with open(os.path.join(data, rel), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                label[f"{tag}-{r['id']}"] = f"{tag}:{r['cluster']}"
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x
    for tag, rel in [("semeval", "semeval-train-pairs/pairs.csv"), ("msrp", "msrp-train/pairs.csv")]:
        with open(os.path.join(data, rel), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                a, b = find(f"{tag}-{r['id1']}"), find(f"{tag}-{r['id2']}")
                if a != b:
                    parent[max(a, b)] = min(a, b)

    def story(mix_id):
        base = re.sub(r"-(lead|rest|p[0-9]+)$", "", mix_id)
        if base in label:
            return label[base]
        if base.startswith("reuters-"):
            return f"reuters:{int(base.split('-')[1]) // 500}"
        return find(base)
    return story


if __name__ == "__main__":
    main()
