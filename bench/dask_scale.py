#!/usr/bin/env python3
"""A Dask run beside the command line on the same collection (issue 16).

  dask_scale.py DOCS.jsonl [--workers 2] [--partitions 8] [--measure story] [--bin PATH]

Runs, in turn: `storydedup cluster -f csv` (wall time and peak RSS from /usr/bin/time),
`storydedup.cluster` in this process, and `storydedup.dask.cluster` on a
`LocalCluster(n_workers=W, processes=True, threads_per_worker=1)` with each task's Rust work
on one thread (so W workers use W cores, as the command line's W threads do); reports
their times, the peak RSS of each worker process and of this process, the time of each
stage of the Dask run (from the scheduler's task stream), and whether the Dask result
equals the one-process result row for row. Needs `pip install ./python[dask]`.
"""
import argparse
import collections
import io
import os
import resource
import subprocess
import sys
import tempfile
import time

import pandas as pd


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cli(binary, path, measure):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.csv")
        t0 = time.time()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "cluster", "-q", "-f", "csv",
                            "-m", measure, "-o", out, path], capture_output=True, text=True,
                           check=True)
        wall = time.time() - t0
        rss = int(r.stderr.strip().splitlines()[-1]) / 1024
    return wall, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--measure", default="story")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "storydedup"))
    args = ap.parse_args()

    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster
    from dask.utils import key_split

    import storydedup
    import storydedup.dask

    # Workers first, while this process is small: a worker started later would count this
    # process's memory in its own peak.
    cluster = LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1,
                           dashboard_address=None, memory_limit=0)
    client = Client(cluster)

    wall, rss = cli(args.bin, args.docs, args.measure)
    print(f"command line: {wall:.2f} s, peak RSS {rss:.0f} MB", flush=True)

    docs = pd.read_json(args.docs, lines=True, dtype=False)
    t0 = time.time()
    one = storydedup.cluster(docs, measure=args.measure)
    print(f"storydedup.cluster (one process): {time.time() - t0:.2f} s, "
          f"{len(docs)} documents, {one['cluster'].nunique()} clusters", flush=True)

    before = peak_rss_mb()
    ddf = dd.read_json(args.docs, lines=True, blocksize=None, dtype=False)
    ddf = ddf.repartition(npartitions=args.partitions) if ddf.npartitions != args.partitions else ddf
    ddf = client.persist(ddf)
    from dask.distributed import wait
    wait(ddf)
    t0 = time.time()
    with __import__("distributed").get_task_stream(client) as ts:
        got = storydedup.dask.cluster(ddf, client=client, measure=args.measure, threads=1)
    wall = time.time() - t0
    workers = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    stages = collections.defaultdict(float)
    tasks = collections.Counter()
    for task in ts.data:
        name = key_split(task["key"])
        tasks[name] += 1
        for s in task["startstops"]:
            if s["action"] == "compute":
                stages[name] += s["stop"] - s["start"]
    equal = got.equals(one)
    print(f"storydedup.dask.cluster, {args.workers} workers, {ddf.npartitions} partitions: "
          f"{wall:.2f} s; equal to one process: {equal}", flush=True)
    for w, mb in sorted(workers.items()):
        print(f"  worker {w}: peak RSS {mb:.0f} MB")
    print(f"  this process: peak RSS {peak_rss_mb():.0f} MB (before the run: {before:.0f} MB)")
    print("  compute time by task kind (summed over workers, with how many tasks):")
    for name, secs in sorted(stages.items(), key=lambda x: -x[1]):
        print(f"    {name}: {secs:.2f} s ({tasks[name]} tasks)")
    client.close()
    cluster.close()
    sys.exit(0 if equal else 1)


if __name__ == "__main__":
    main()
