#!/usr/bin/env python3
"""Leave-one-collection-out (LOCO) choice of settings on the real data in ../shared/data.

Usage: bench/loco.py SETTINGS.json [--bin PATH] [--fresh] [--json FILE]

SETTINGS.json is a list of {"name": str, "flags": [...], "env": {...}} (see
bench/loco-example.json). Each setting runs on the real-data collections of quality.py (not
the fixtures); its results are cached in /tmp/storydedup-loco-cache/ by name, flags and env
(`--fresh` runs again: do so after rebuilding the binary; a cached result made by another
binary is flagged). For each held-out collection H, the setting with the best mean of
(ours - baseline) on the primary metric over the OTHER selection collections is chosen and
its figures on H are reported. A setting worth adopting must beat the baseline everywhere:
the grid shows each setting's minimum of (ours - baseline) over the collections.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality as q  # noqa: E402

LOCO_CACHE = "/tmp/storydedup-loco-cache"
SHORT = {"uci-headlines": "uci", "uci-headlines-nodates": "uci-nodate", "semeval": "semeval",
         "neus": "neus", "ecbplus": "ecbplus", "reuters-templates": "templates"}


def cache_path(s):
    key = json.dumps([s["name"], s["flags"], s["env"]], sort_keys=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in s["name"])[:40]
    return os.path.join(LOCO_CACHE, f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json")


def run_setting(s, colls, binary, binfo, fresh):
    """{collection name: ours' metrics} for one setting, from the cache unless `fresh`."""
    path = cache_path(s)
    if not fresh:
        try:
            with open(path) as f:
                cached = json.load(f)
            if cached.get("binary_sha256") != binfo.get("sha256"):
                print(f"  note: {s['name']}: cached with another binary (run with --fresh to redo)", file=sys.stderr)
            if all(c.name in cached["results"] for c in colls):
                return cached["results"], True
        except (OSError, ValueError, KeyError):
            pass
    results = {r["name"]: r["ours"] for r in q.evaluate_all(colls, binary, s["flags"], s["env"], with_baseline=False)}
    if not any("error" in r for r in results.values()):
        os.makedirs(LOCO_CACHE, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=LOCO_CACHE)
        with os.fdopen(fd, "w") as f:
            json.dump({"setting": s, "binary_sha256": binfo.get("sha256"), "time": time.time(), "results": results}, f)
        os.replace(tmp, path)
    return results, False


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def value(coll, metrics):
    """The primary metric, NaN for errors and missing figures."""
    v = q.primary(coll, metrics) if metrics and "error" not in metrics else None
    return float("nan") if v is None else v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("settings", help="JSON list of {name, flags, env}")
    ap.add_argument("--bin", default=q.BINARY)
    ap.add_argument("--fresh", action="store_true", help="ignore cached results (the binary changed)")
    ap.add_argument("--json", help="write the grid and the LOCO folds here")
    a = ap.parse_args(argv)
    with open(a.settings) as f:
        settings = [{"name": s["name"], "flags": [str(x) for x in s.get("flags", [])],
                     "env": {k: str(v) for k, v in (s.get("env") or {}).items()}} for s in json.load(f)]
    if len({s["name"] for s in settings}) != len(settings):
        sys.exit("setting names must be unique")
    colls = q.present([c for c in q.collections() if not c.fixture])
    sel = [c for c in colls if c.name in q.SELECTION]
    archive = next((c for c in colls if c.kind == "archive"), None)
    if len(sel) < 2:
        sys.exit("fewer than two selection collections present: nothing to hold out")
    binfo = q.binary_info(a.bin)

    t0 = time.time()
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        base = dict(zip([c.name for c in sel], pool.map(q.baseline, sel)))
    grid = {}
    for s in settings:
        res, cached = run_setting(s, colls, a.bin, binfo, a.fresh)
        grid[s["name"]] = res
        print(f"  {s['name']}: {'cached' if cached else 'ran'}", file=sys.stderr)

    names = [s["name"] for s in settings]
    ours = {n: {c.name: value(c, grid[n].get(c.name)) for c in sel} for n in names}
    basev = {c.name: value(c, base[c.name]) for c in sel}
    delta = {n: {c.name: ours[n][c.name] - basev[c.name] for c in sel} for n in names}
    w = max(12, *(len(n) for n in names)) + 1

    # (1) The grid: primary metric per setting and collection, then (ours - baseline).
    head = "".join(f"{SHORT.get(c.name, c.name):>11}" for c in sel)
    print(f"primary metric (ARI; B-cubed F1 for templates; Pearson for semeval)\n{'setting':<{w}}{head}"
          + ("  archive: clusters/largest/docs in >20" if archive else ""))
    print(f"{'baseline':<{w}}" + "".join(f"{q.fmt(basev[c.name]):>11}" for c in sel))
    for n in names:
        arch = ""
        if archive:
            m = grid[n].get(archive.name) or {}
            arch = "  error" if "error" in m else f"  {m.get('clusters')}/{m.get('largest')}/{m.get('in_clusters_over_20')}"
        print(f"{n:<{w}}" + "".join(f"{q.fmt(ours[n][c.name]):>11}" for c in sel) + arch)
    print(f"\nours - baseline\n{'setting':<{w}}{head}{'mean':>9}{'min':>9}  (where)")
    mins = {}
    for n in names:
        ds = delta[n]
        worst = min(ds, key=lambda k: ds[k] if not math.isnan(ds[k]) else -math.inf)
        mins[n] = (ds[worst], worst)
        print(f"{n:<{w}}" + "".join(f"{q.fmt(ds[c.name], True):>11}" for c in sel)
              + f"{q.fmt(mean(list(ds.values())), True):>9}{q.fmt(ds[worst], True):>9}  ({SHORT.get(worst, worst)})")

    # (2) LOCO: choose on the other collections, report on the held-out one.
    def score(n, held):
        v = [delta[n][c.name] for c in sel if c.name != held]
        return -math.inf if any(math.isnan(x) for x in v) else mean(v)

    folds = []
    for h in sel:
        best = max(names, key=lambda n: score(n, h.name))  # ties: the first in the file
        folds.append({"held_out": h.name, "chosen": best, "selection_mean_delta": score(best, h.name),
                      "ours": ours[best][h.name], "baseline": basev[h.name], "delta": delta[best][h.name]})
    print(f"\nleave one collection out\n{'held out':<24}{'chosen':<{w}}{'ours':>9}{'baseline':>10}{'delta':>9}"
          f"{'sel. mean':>11}")
    for f in folds:
        print(f"{f['held_out']:<24}{f['chosen']:<{w}}{q.fmt(f['ours']):>9}{q.fmt(f['baseline']):>10}"
              f"{q.fmt(f['delta'], True):>9}{q.fmt(f['selection_mean_delta'], True):>11}")
    chosen = sorted({f["chosen"] for f in folds})
    print(f"mean held-out delta {q.fmt(mean([f['delta'] for f in folds]), True)}; "
          f"held-out deltas below 0: {sum(f['delta'] < 0 for f in folds)} of {len(folds)}")
    print("same setting chosen in every fold: " + (f"yes ({chosen[0]})" if len(chosen) == 1 else f"no ({', '.join(chosen)})"))
    print("\nminimum over collections of (ours - baseline), per setting (a setting must win everywhere):")
    for n in sorted(names, key=lambda n: -mins[n][0] if not math.isnan(mins[n][0]) else math.inf):
        print(f"  {n:<{w}}{q.fmt(mins[n][0], True):>9}  on {mins[n][1]}")
    print(f"\n{len(settings)} settings x {len(colls)} collections in {time.time() - t0:.1f} s", file=sys.stderr)

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"binary": binfo, "settings": settings, "baseline": base, "results": grid,
                       "folds": folds}, f, indent=1)
    errors = [(n, c, m["error"]) for n in names for c, m in grid[n].items() if m and "error" in m]
    for n, c, e in errors:
        print(f"{n} on {c}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
