#!/usr/bin/env python3
"""Accuracy of `storydedup cluster` (defaults, or the flags after `--`) against a plain
TF-IDF baseline, on the fixtures and, when present, the real data in ../shared/data (never
copied into the repository).

Usage: bench/quality.py [--bin PATH] [--only a,b,...] [--json FILE] [-- extra storydedup flags]

One row per collection: its primary metric (ARI; B-cubed F1 for reuters-templates; Pearson
with -overall for semeval) for storydedup and for the baseline, and their difference. Rows
marked [fixture] are our own texts: reported, never used to choose settings. `--only` takes
collection names or prefixes (`fixtures`, `uci`, `reuters`). `--json` writes every metric.
Environment variables reach the storydedup child processes unchanged.

Baseline: scikit-learn TfidfVectorizer(sublinear_tf, English stop words) over title + text,
cosine, pairs of dated documents more than 3 days apart set to 0 (no window for the undated
UCI variant), average linkage cut at similarity 0.2. It is computed once per collection and
cached in /tmp/storydedup-baseline-cache/ (keyed by the collection, its files and the
baseline's code). Needs scikit-learn (e.g. bench/.venv from bench/run.sh), which also gives
ARI. The pieces are importable (bench/loco.py uses them).
"""
import argparse
import concurrent.futures
import csv
import datetime
import hashlib
import inspect
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
BINARY = os.path.join(ROOT, "target", "release", "storydedup")
BASELINE_CACHE = "/tmp/storydedup-baseline-cache"

# The baseline's parameters (part of its cache key, with the source of its functions).
BASELINE = {"tfidf": {"sublinear_tf": True, "stop_words": "english"},
            "linkage": "average", "threshold": 0.2, "window_days": 3}

METRIC_NAMES = {"ari": "ARI", "bcubed_f1": "B-cubed F1", "pearson": "Pearson"}


@dataclass
class Collection:
    name: str
    kind: str                  # "cluster", "pairs" (graded pairs) or "archive" (no labels)
    inputs: list               # files or directories given to storydedup
    truth: str = None          # id,cluster (cluster) or id1,id2,overall (pairs)
    flags: list = field(default_factory=list)  # collection-specific flags for ours
    window: int = 3            # the baseline's date window (0 = none)
    fixture: bool = False
    primary: str = "ari"

    def files(self):
        return [*self.inputs, *([self.truth] if self.truth else [])]

    def present(self):
        return all(os.path.exists(p) for p in self.files())


def collections(data=DATA):
    """Every collection, in report order (present or not)."""
    fx = lambda *p: os.path.join(ROOT, "fixtures", *p)
    dt = lambda *p: os.path.join(data, *p)
    out = [Collection("fixtures/news", "cluster", [fx("news", "articles.jsonl")], fx("news", "truth.csv"), fixture=True),
           Collection("fixtures/txt", "cluster", [fx("txt")], fx("txt-truth.csv"), fixture=True)]
    for ev in ("events3", "events4"):
        out.append(Collection(f"fixtures/{ev}", "cluster", [fx(ev, "articles.jsonl")], fx(ev, "truth.csv"), fixture=True))
        out.append(Collection(f"fixtures/{ev}-nodates", "cluster", [fx(ev, "articles-nodates.jsonl")], fx(ev, "truth.csv"), fixture=True))
    uci = [dt("uci-headlines", "docs.jsonl")], dt("uci-headlines", "clusters.csv")
    out += [
        Collection("uci-headlines", "cluster", *uci),
        Collection("uci-headlines-nodates", "cluster", *uci, flags=["--window", "0"], window=0),
        Collection("semeval", "pairs", [dt("semeval-train-pairs", "docs.jsonl")], dt("semeval-train-pairs", "pairs.csv"), primary="pearson"),
        Collection("neus", "cluster", [dt("neus-allsides-train", "docs.jsonl")], dt("neus-allsides-train", "truth.csv")),
        Collection("ecbplus", "cluster", [dt("ecbplus-dev", "docs.jsonl")], dt("ecbplus-dev", "truth.csv")),
        Collection("reuters-templates", "cluster", [dt("reuters-dev", "templates.jsonl")], dt("reuters-dev", "templates_truth.csv"), primary="bcubed_f1"),
        Collection("reuters-archive", "archive", [dt("reuters-dev", "docs.jsonl")]),
    ]
    return out


# The real-data collections that choose settings (bench/loco.py).
SELECTION = ["uci-headlines", "uci-headlines-nodates", "semeval", "neus", "ecbplus", "reuters-templates"]


def select(colls, only):
    """The collections named (exactly or by prefix) in `only` (None = all)."""
    if not only:
        return colls
    chosen = []
    for tok in only:
        hit = [c for c in colls if c.name == tok] or [c for c in colls if c.name.startswith(tok)]
        if not hit:
            sys.exit(f"--only: no collection {tok!r}; known: {', '.join(c.name for c in colls)}")
        chosen += [c for c in hit if c not in chosen]
    return [c for c in colls if c in chosen]


def present(colls):
    """The collections whose files exist; one message for the rest."""
    ok = [c for c in colls if c.present()]
    gone = [c.name for c in colls if not c.present()]
    if gone:
        print(f"(skipped, files missing: {', '.join(gone)})", file=sys.stderr)
    return ok


# ---------------------------------------------------------------- running storydedup

def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr.strip()}")
    return r.stdout


def child_env(extra=None):
    """This process's environment plus `extra` (None when there is nothing to add)."""
    if not extra:
        return None
    return {**os.environ, **{k: str(v) for k, v in extra.items()}}


def matrix_args(flags):
    """The flags that `matrix` also takes (clustering ones dropped)."""
    out, skip = [], False
    for x in flags:
        if skip:
            skip = False
        elif x in ("-t", "--threshold", "--linkage"):
            skip = True
        elif not x.startswith(("--threshold=", "--linkage=")) and not (x.startswith("-t") and len(x) > 2 and not x.startswith("--")):
            out.append(x)
    return out


def without(flags, names):
    """`flags` less the options in `names` and their values (`--opt V` or `--opt=V`)."""
    out, skip = [], False
    for x in flags:
        if skip:
            skip = False
        elif x in names:
            skip = True
        elif not any(x.startswith(n + "=") for n in names):
            out.append(x)
    return out


def ours(coll, binary=BINARY, flags=(), env=None):
    """storydedup's metrics on one collection (flags: extra command-line flags; env: extra
    environment variables)."""
    env = child_env(env)
    # The collection's own options (--window 0 of the undated variant) win over the same
    # options among the extra flags.
    flags = without(list(flags), [x for x in coll.flags if x.startswith("-")])
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.csv")
        if coll.kind == "pairs":
            run([binary, "matrix", "-q", "-f", "long", "--min-score", "0", "-o", out,
                 *coll.flags, *matrix_args(flags), *coll.inputs], env)
            scores = {}
            with open(out, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    scores[(row["a"], row["b"])] = scores[(row["b"], row["a"])] = float(row["score"])
            res = pair_metrics(coll.truth, lambda a, b: scores.get((a, b), 0.0))
        else:
            run([binary, "cluster", "-q", "-f", "csv", "-o", out, *coll.flags, *flags, *coll.inputs], env)
            with open(out, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            pred = {r["id"]: r["cluster"] for r in rows}
            if coll.kind == "archive":
                res = archive_metrics(pred, {r["id"]: r.get("title") or "" for r in rows})
            else:
                res = cluster_metrics(read_labels(coll.truth), pred)
    res["seconds"] = round(time.time() - t0, 3)
    return res


# ---------------------------------------------------------------- metrics

def read_labels(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r["cluster"] for r in csv.DictReader(f)}


def c2(n):
    return n * (n - 1) / 2


def prf(p, r):
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r > 0 else 0.0}


def cluster_metrics(truth, pred):
    """ARI, pairwise and B-cubed precision/recall/F1 over the ids both partitions hold."""
    from sklearn.metrics import adjusted_rand_score
    ids = [i for i in truth if i in pred]
    t = [truth[i] for i in ids]
    p = [pred[i] for i in ids]
    cells, tsize, psize = {}, {}, {}
    for a, b in zip(t, p):
        cells[(a, b)] = cells.get((a, b), 0) + 1
        tsize[a] = tsize.get(a, 0) + 1
        psize[b] = psize.get(b, 0) + 1
    ratio = lambda a, b: a / b if b > 0 else 1.0
    both = sum(c2(n) for n in cells.values())
    pairwise = prf(ratio(both, sum(c2(n) for n in psize.values())), ratio(both, sum(c2(n) for n in tsize.values())))
    # B-cubed: each document's share of its predicted cluster that is truly its story
    # (precision) and of its true story that it was put with (recall), averaged.
    n = len(ids)
    bp = sum(k * k / psize[b] for (a, b), k in cells.items()) / n if n else 1.0
    br = sum(k * k / tsize[a] for (a, b), k in cells.items()) / n if n else 1.0
    return {"ari": float(adjusted_rand_score(t, p)) if n else float("nan"),
            "pairwise": pairwise, "bcubed": prf(bp, br), "bcubed_f1": prf(bp, br)["f1"],
            "documents": n, "clusters": len(psize), "clusters_truth": len(tsize),
            "missing": [len(truth) - n, len(pred) - n]}


def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx and sy else float("nan")


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pair_metrics(pairs_csv, score):
    """Pearson and Spearman of score(id1, id2) with -overall."""
    xs, ys = [], []
    with open(pairs_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            xs.append(score(row["id1"], row["id2"]))
            ys.append(-float(row["overall"]))
    return {"pearson": pearson(xs, ys), "spearman": pearson(ranks(xs), ranks(ys)), "pairs": len(xs)}


def archive_metrics(pred, titles):
    """No labels: the shape of the clustering, and the largest clusters with a title each."""
    members = {}
    for i, c in pred.items():
        members.setdefault(c, []).append(i)
    big = sorted(members.values(), key=len, reverse=True)
    return {"documents": len(pred), "clusters": len(members), "largest": len(big[0]) if big else 0,
            "in_clusters_over_20": sum(len(m) for m in big if len(m) > 20),
            "top": [{"size": len(m), "titles": [titles[i] for i in m[:3]]} for m in big[:5]]}


# ---------------------------------------------------------------- baseline

def parse_day(s):
    """Day number of `YYYY-MM-DD...` or Reuters' `26-FEB-1987 15:01:01.79`; None otherwise."""
    if not s:
        return None
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", s)
    try:
        if m:
            return datetime.date(int(m[1]), int(m[2]), int(m[3])).toordinal()
        m = re.match(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})", s)
        if m:
            month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(m[2].lower()) + 1
            return datetime.date(int(m[3]), month, int(m[1])).toordinal()
    except ValueError:
        pass
    return None


def read_docs(inputs):
    """ids, texts (title + blank line + text) and day numbers of JSONL files and directories
    of .txt/.md files (id = file name without extension)."""
    ids, texts, days = [], [], []
    for path in inputs:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                stem, ext = os.path.splitext(name)
                if ext in (".txt", ".md"):
                    with open(os.path.join(path, name), encoding="utf-8") as f:
                        ids.append(stem), texts.append(f.read()), days.append(None)
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    title, text = d.get("title") or "", d.get("text") or ""
                    ids.append(str(d["id"]))
                    texts.append(f"{title}\n\n{text}" if title else text)
                    days.append(parse_day(d.get("date")))
    return ids, texts, days


def tfidf(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(**BASELINE["tfidf"]).fit_transform(texts)


def baseline_labels(texts, days, window):
    """TF-IDF cosine, dated pairs further apart than `window` days set to 0 (0 = no window),
    average linkage cut at BASELINE["threshold"]."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    if len(texts) < 2:
        return list(range(len(texts)))
    X = tfidf(texts)
    sim = (X @ X.T).toarray()
    dated = np.array([i for i, d in enumerate(days) if d is not None])
    if window and len(dated) > 1:
        d = np.array([days[i] for i in dated], dtype=np.int64)
        far = np.abs(d[:, None] - d[None, :]) > window
        block = sim[np.ix_(dated, dated)]
        block[far] = 0.0
        sim[np.ix_(dated, dated)] = block
    dist = 1.0 - sim
    del sim
    np.clip(dist, 0.0, None, out=dist)
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(metric="precomputed", linkage=BASELINE["linkage"],
                                    distance_threshold=1.0 - BASELINE["threshold"], n_clusters=None)
    return [int(x) for x in model.fit_predict(dist)]


def baseline_pair_scores(ids, texts):
    """TF-IDF cosine of every pair (vectorizer fitted on all the documents)."""
    X = tfidf(texts)
    index = {i: k for k, i in enumerate(ids)}

    def score(a, b):
        if a not in index or b not in index:
            return 0.0
        return float(X[index[a]].multiply(X[index[b]]).sum())
    return score


def baseline_key(coll):
    code = "".join(inspect.getsource(f) for f in (parse_day, read_docs, tfidf, baseline_labels, baseline_pair_scores,
                                                  cluster_metrics, pair_metrics))
    files = []
    for p in coll.files():
        paths = [os.path.join(p, n) for n in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
        files += [(q, os.path.getsize(q), os.stat(q).st_mtime_ns) for q in paths]
    blob = json.dumps([coll.name, coll.kind, coll.window, BASELINE, code, files], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def baseline(coll):
    """The baseline's metrics on one collection, from the cache when it has them (None for
    the unlabelled archive)."""
    if coll.kind == "archive":
        return None
    path = os.path.join(BASELINE_CACHE, f"{coll.name.replace('/', '_')}-{baseline_key(coll)}.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        pass
    t0 = time.time()
    ids, texts, days = read_docs(coll.inputs)
    if coll.kind == "pairs":
        res = pair_metrics(coll.truth, baseline_pair_scores(ids, texts))
    else:
        res = cluster_metrics(read_labels(coll.truth), dict(zip(ids, map(str, baseline_labels(texts, days, coll.window)))))
    res["seconds"] = round(time.time() - t0, 3)
    os.makedirs(BASELINE_CACHE, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=BASELINE_CACHE)
    with os.fdopen(fd, "w") as f:
        json.dump(res, f)
    os.replace(tmp, path)
    return res


# ---------------------------------------------------------------- both, and the report

def primary(coll, metrics):
    return metrics[coll.primary] if metrics and coll.primary in metrics else None


def evaluate(coll, binary=BINARY, flags=(), env=None, with_baseline=True):
    """{"ours": metrics or {"error": ...}, "baseline": metrics or None} for one collection."""
    try:
        o = ours(coll, binary, flags, env)
    except (RuntimeError, OSError) as e:
        o = {"error": str(e)}
    return {"name": coll.name, "fixture": coll.fixture, "kind": coll.kind, "primary": coll.primary,
            "ours": o, "baseline": baseline(coll) if with_baseline else None}


def evaluate_all(colls, binary=BINARY, flags=(), env=None, with_baseline=True, jobs=2):
    """evaluate() over collections on a pool of `jobs` threads, results in the given order."""
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futs = [pool.submit(evaluate, c, binary, flags, env, with_baseline) for c in colls]
        return [f.result() for f in futs]


def fmt(x, signed=False):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:+.4f}" if signed else f"{x:.4f}"


def brief(m):
    if m is None:
        return "-"
    if "error" in m:
        return "error"
    if "pearson" in m:
        return f"Pearson {m['pearson']:.4f}  Spearman {m['spearman']:.4f}  ({m['pairs']} pairs)"
    return (f"ARI {m['ari']:.4f}  pairwise F1 {m['pairwise']['f1']:.4f}  B-cubed P/R/F1 "
            f"{m['bcubed']['precision']:.3f}/{m['bcubed']['recall']:.3f}/{m['bcubed']['f1']:.4f}  "
            f"clusters {m['clusters']} (truth {m['clusters_truth']})")


def report(colls, results):
    print(f"{'collection':<37} {'metric':<11} {'ours':>8} {'baseline':>9} {'ours-base':>10}")
    errors = []
    for c, r in zip(colls, results):
        label = c.name + ("  [fixture]" if c.fixture else "")
        o, b = r["ours"], r["baseline"]
        if "error" in o:
            errors.append((c.name, o["error"]))
            print(f"{label:<37} {METRIC_NAMES.get(c.primary, c.primary):<11} {'error':>8}")
            continue
        if c.kind == "archive":
            print(f"{label:<37} sanity      {o['clusters']} clusters, largest {o['largest']}, "
                  f"{o['in_clusters_over_20']} docs in clusters > 20 (of {o['documents']})")
            continue
        po, pb = primary(c, o), primary(c, b)
        delta = po - pb if po is not None and pb is not None else None
        print(f"{label:<37} {METRIC_NAMES[c.primary]:<11} {fmt(po):>8} {fmt(pb):>9} {fmt(delta, True):>10}")
    print("\nall metrics (ours / baseline):")
    for c, r in zip(colls, results):
        if "error" in r["ours"]:
            continue
        if c.kind == "archive":
            for t in r["ours"]["top"]:
                print(f"  {c.name:<26} cluster of {t['size']}: {' | '.join(x[:40] for x in t['titles'])}")
            continue
        print(f"  {c.name:<26} ours {brief(r['ours'])}  [{r['ours']['seconds']:.2f} s]")
        print(f"  {'':<26} base {brief(r['baseline'])}")
    for name, e in errors:
        print(f"\n{name}: {e}", file=sys.stderr)
    return not errors


def binary_info(binary):
    try:
        with open(binary, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return {"path": binary, "sha256": digest, "mtime": os.path.getmtime(binary)}
    except OSError as e:
        return {"path": binary, "error": str(e)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 usage="%(prog)s [--bin PATH] [--only a,b,...] [--json FILE] [-- extra storydedup flags]")
    ap.add_argument("--bin", default=BINARY, help="storydedup binary (default: target/release/storydedup)")
    ap.add_argument("--only", help="comma-separated collection names or prefixes")
    ap.add_argument("--json", help="write every metric here")
    a = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("quality.py needs scikit-learn (ARI and the baseline): run it with a Python that has it, e.g. bench/.venv/bin/python")
    if not os.path.isdir(DATA):
        print(f"({DATA} not found: real-data collections skipped)", file=sys.stderr)
    colls = present(select(collections(), a.only.split(",") if a.only else None))
    t0 = time.time()
    results = evaluate_all(colls, a.bin, extra)
    ok = report(colls, results)
    print(f"\n{len(colls)} collections in {time.time() - t0:.1f} s; flags: {' '.join(extra) or '(defaults)'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"binary": binary_info(a.bin), "flags": extra, "results": results}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
