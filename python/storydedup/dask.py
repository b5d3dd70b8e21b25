"""Story clustering across machines on Dask, with the result of one machine.

::

    import dask.dataframe as dd, storydedup.dask
    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")       # or Client() for a local cluster
    docs = dd.read_json("feed-*.jsonl", lines=True, dtype=False)   # ids stay strings
    clusters = storydedup.dask.cluster(docs, client=client)

Dask turns object columns into strings as it builds a DataFrame (``dataframe.convert-string``),
so a number where a text belongs reaches storydedup as a string; files whose columns differ
in order or type may need ``dtype={"id": str}`` or a common column order to be read at all.

The run is cut along the DataFrame's partitions, and each stage is Rust work on the
workers (the library's ``split`` module):

1. each partition is read and counted: its documents' term counts, summed across workers
   by a tree reduction into the collection's statistics;
2. each partition is weighed against those statistics: what clustering needs of each
   document (id, date, number of terms, text digest) and, for ``jaccard`` on collections
   where one machine uses LSH, its band keys;
3. candidate pairs: for ``jaccard`` with LSH, a shuffle of the band keys by key groups the
   documents of each bucket; otherwise each pair of partitions (a partition with itself
   included) is searched by the exact engine, its guards reading the whole collection's
   counts. Pairs are scored on the workers;
4. one worker clusters the sparse edge list;
5. the clusters are described in batches, each with only its members' documents.

No worker ever holds the whole collection: a task holds at most two partitions, or one
batch of clusters. The result equals ``storydedup.cluster`` on the same documents, row for
row: the same settings and the same exact stages, cut in parts.
"""

import gc
import io

import dask
import numpy as np
import pandas as pd
from dask import delayed

from . import CLUSTER_DTYPES, FIELDS, StorydedupError, _jsonl
from . import _storydedup as _rs
from . import cluster as _cluster_one

__all__ = ["cluster"]


def _part_jsonl(frame):
    """A partition as JSON lines, one document per line, as ``storydedup.cluster`` writes
    the whole."""
    text = _jsonl(frame)
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def _lines(text):
    return text.count("\n")


def _meta(stage1):
    ids, _, problem, line = stage1
    return ids, problem, line


def _counts(stage1):
    return stage1[1]


def _add(*parts):
    return _rs.add_counts(list(parts))


def _tree_sum(items):
    """Sums statistics pairwise, level by level, on the workers."""
    items = list(items)
    while len(items) > 1:
        items = [delayed(_add)(*items[i:i + 2]) for i in range(0, len(items), 2)]
    return items[0]


def _bands_frame(stage2, offset):
    """A partition's band keys as rows ``(bucket, doc)``: a bucket is a band and its key."""
    _, _, bands, keys, _, _ = stage2
    keys = np.frombuffer(keys, dtype="<u4")
    if bands == 0 or keys.size == 0:
        return pd.DataFrame({"bucket": np.array([], dtype="u8"), "doc": np.array([], dtype="u4")})
    n = keys.size // bands
    band = np.tile(np.arange(bands, dtype="u8"), n)
    doc = np.repeat(np.arange(offset, offset + n, dtype="u4"), bands)
    keep = keys != np.iinfo("u4").max
    bucket = (band << np.uint64(32)) | keys.astype("u8")
    return pd.DataFrame({"bucket": bucket[keep], "doc": doc[keep]})


def _bucket_pairs(frame):
    """The candidate pairs of the buckets in one shuffled partition, as ``a, b`` rows."""
    frame = frame.sort_values(["bucket", "doc"], kind="stable")
    raw = _rs.bucket_pairs(
        frame["bucket"].to_numpy(dtype="<u8").tobytes(),
        frame["doc"].to_numpy(dtype="<u4").tobytes(),
    )
    ab = np.frombuffer(raw, dtype="<u4").reshape(-1, 2)
    return pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1]})


def _select(text, first_line, wanted):
    """The lines (with their line numbers) of documents `wanted` (indexes in the part)."""
    lines = text.split("\n")
    return [(first_line + i, lines[i]) for i in wanted]


def _merged(pieces):
    """The selected lines of several parts, in line order."""
    return sorted(p for part in pieces for p in part)


def _describe(pieces, groups, counts, key, threads):
    return _rs.describe_batch(_merged(pieces), groups, counts, key, threads)


def _verify(pieces, globals, pairs, key, threads):
    return _rs.verify_pairs(_merged(pieces), globals, pairs, key, threads)


def _scheduler(client):
    """How to keep results on the workers and how to fetch them."""
    if client is None:
        return (lambda xs: list(dask.persist(*xs))), (lambda xs: list(dask.compute(*xs)))
    return (lambda xs: list(client.persist(list(xs)))), (lambda xs: client.gather(client.compute(list(xs))))


def cluster(ddf, client=None, *, measure="story", threshold=None, window=3, linkage=None,
            shingle="word:5", threads=None, batch_docs=None):
    """Groups the documents of the Dask DataFrame ``ddf`` (a ``text`` column, optionally
    ``id``, ``title``, ``source``, ``date``, ``url``) into stories on the Dask cluster of
    ``client`` (``None``: Dask's default scheduler, which is a ``Client`` once one is made).

    Returns a pandas DataFrame equal to ``storydedup.cluster`` on the same documents: the
    columns of ``storydedup cluster -f csv``, one row per document. The options are those of
    ``storydedup.cluster``; ``threads`` is per task; ``batch_docs`` is how many documents'
    clusters one description task takes (default: a partition's worth). Bad input raises
    :class:`StorydedupError` with the message ``storydedup.cluster`` gives (lines counted
    across the partitions in order). A copy measure whose one-machine run uses the exact
    search is limited to 20,000 documents (``jaccard`` beyond uses LSH, as on one machine).
    """
    # The options first, on this machine: a bad one is refused before any work.
    key = (measure, threshold, window, linkage, shingle)
    _rs.check(0, key, threads)
    if isinstance(ddf, pd.DataFrame):
        import dask.dataframe as dd
        # In the frame's own row order, its columns as they are (no conversion to strings).
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = dd.from_pandas(ddf, npartitions=max(1, min(8, len(ddf) // 1000)), sort=False)
    if "text" not in ddf.columns:
        raise StorydedupError(
            "storydedup: docs: no `text` column (columns: %s)" % ",".join(map(str, ddf.columns))
        )
    persist, compute = _scheduler(client)
    try:
        return _run(ddf, key, threads, batch_docs, persist, compute)
    finally:
        # The parts kept on the workers go once nothing here refers to them; the task
        # graphs hold reference cycles, so collect them now rather than at some later time.
        gc.collect()


def _run(ddf, key, threads, batch_docs, persist, compute):
    """The stages of :func:`cluster` (`key`: the options that decide the run, as every
    stage takes them)."""
    measure, threshold, window, linkage, shingle = key
    columns = [c for c in ("text",) + FIELDS if c in ddf.columns]

    # Each partition as JSON lines, kept on the workers.
    texts = persist([delayed(_part_jsonl)(p) for p in ddf[columns].to_delayed()])
    lens = compute([delayed(_lines)(t) for t in texts])
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(int).tolist()
    n = offsets[-1]
    if n == 0:
        return _cluster_one([], measure=measure, threshold=threshold, window=window,
                            linkage=linkage, shingle=shingle, threads=threads)
    first = [o + 1 for o in offsets[:-1]]

    # Stage 1: read and count each part; check the whole as one run reads it.
    stage1 = persist([
        delayed(_rs.part_counts)(first[p], texts[p], key, threads)
        for p in range(len(texts))
    ])
    seen = {}
    for p, (ids, problem, _) in enumerate(compute([delayed(_meta)(s) for s in stage1])):
        for k, doc_id in enumerate(ids):
            line = first[p] + k
            if doc_id in seen:
                raise StorydedupError(_rs.duplicate_id(doc_id, line, seen[doc_id]))
            seen[doc_id] = line
        if problem is not None:
            raise StorydedupError(problem)
    del seen
    lsh = _rs.check(n, key, threads)
    (counts,) = persist([_tree_sum(delayed(_counts)(s) for s in stage1)])
    del stage1

    # Stage 2: weigh each part against the whole; sum the short texts' counts.
    stage2 = persist([
        delayed(_rs.part_facts)(first[p], texts[p], counts, n, lsh, key, threads)
        for p in range(len(texts))
    ])
    facts = [delayed(lambda s: s[0])(s) for s in stage2]
    (short,) = persist([_tree_sum(delayed(lambda s: s[1])(s) for s in stage2)])

    # Stage 3: candidate pairs, scored on the workers.
    parts = range(len(texts))
    if lsh:
        import dask.dataframe as dd
        meta = pd.DataFrame({"bucket": np.array([], dtype="u8"), "doc": np.array([], dtype="u4")})
        bands = dd.from_delayed([delayed(_bands_frame)(stage2[p], offsets[p]) for p in parts],
                                meta=meta, verify_meta=False)
        shuffled = bands.shuffle(on="bucket", npartitions=max(1, len(texts)))
        pairs = shuffled.map_partitions(
            _bucket_pairs, meta=pd.DataFrame({"a": np.array([], dtype="u4"), "b": np.array([], dtype="u4")})
        )
        (frame,) = compute([pairs])
        ab = np.unique(frame["a"].to_numpy(dtype="u8") << np.uint64(32) | frame["b"].to_numpy(dtype="u8"))
        a, b = (ab >> np.uint64(32)).astype("u4"), (ab & np.uint64(0xFFFFFFFF)).astype("u4")
        pa = np.searchsorted(offsets, a, side="right") - 1
        pb = np.searchsorted(offsets, b, side="right") - 1
        found = []
        for i in parts:
            for j in range(i, len(texts)):
                mask = (pa == i) & (pb == j)
                if not mask.any():
                    continue
                chosen = np.stack([a[mask], b[mask]], axis=1).astype("<u4")
                # Only the documents the pairs name travel, and only they are shingled.
                named = np.unique(chosen)
                pieces = []
                for p in sorted({i, j}):
                    inside = named[(named >= offsets[p]) & (named < offsets[p + 1])]
                    pieces.append(delayed(_select)(texts[p], first[p],
                                                   (inside - offsets[p]).tolist()))
                found.append(delayed(_verify)(pieces, named.tolist(), chosen.tobytes(), key, threads))
    else:
        # With a window, two parts whose documents are all dated more than the window apart
        # have no pair to find (the window forbids them): a dated stream is many small
        # problems, not one square one.
        spans = compute([delayed(lambda s: s[4])(s) for s in stage2])

        def apart(i, j):
            (si, ui), (sj, uj) = spans[i], spans[j]
            if measure != "story" or not window or ui or uj or si is None or sj is None:
                return False
            return si[0] - sj[1] > window or sj[0] - si[1] > window

        # A part as the search reads it: where it starts, and for the story measure its
        # weighed state from stage 2 (its text is not read again); copy measures shingle the
        # text again, which costs less than moving the sets.
        if measure == "story":
            states = [delayed(lambda s: s[5])(s) for s in stage2]
        else:
            states = [delayed(str.encode)(t) for t in texts]

        def part_of(p):
            return (offsets[p], first[p], states[p])

        found = [
            delayed(_rs.pairs_between)(part_of(i), None if i == j else part_of(j), counts, short,
                                       key, threads)
            for i in parts for j in range(i, len(texts)) if not apart(i, j)
        ]

    # Stage 4: one worker clusters the edge list.
    (groups,) = compute([delayed(_rs.clusters_of)(facts, found, lsh, key, threads)])

    # Stage 5: describe the clusters in batches, each with its members' documents only.
    per_batch = batch_docs or max(1, -(-n // len(texts)))
    batches, current, size = [], [], 0
    for number, members in enumerate(groups, start=1):
        current.append((number, members))
        size += len(members)
        if size >= per_batch:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    described = []
    for batch in batches:
        members = np.sort(np.fromiter((m for _, ms in batch for m in ms), dtype=np.int64))
        position = {int(g): k for k, g in enumerate(members)}
        local = [(number, [position[m] for m in ms]) for number, ms in batch]
        owner = np.searchsorted(offsets, members, side="right") - 1
        pieces = [
            delayed(_select)(texts[p], first[p], (members[owner == p] - offsets[p]).tolist())
            for p in np.unique(owner).tolist()
        ]
        described.append(delayed(_describe)(pieces, local, counts, key, threads))
    csvs = compute(described)
    body = csvs[0] + "".join(c.split("\n", 1)[1] if "\n" in c else "" for c in csvs[1:])
    return pd.read_csv(io.StringIO(body), dtype=CLUSTER_DTYPES)
