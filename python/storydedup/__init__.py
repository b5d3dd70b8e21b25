"""storydedup: find the same news story told by different outlets.

The same Rust library as the ``storydedup`` command line, with pandas in and out::

    import pandas as pd, storydedup
    docs = pd.read_json("feed.jsonl", lines=True, dtype=False)  # ``text``, optional
    clusters = storydedup.cluster(docs)                      # id, title, source, date, url
    pairs = storydedup.pairs(docs, min_score=0.3)
    d = storydedup.diff(docs.iloc[0].to_dict(), docs.iloc[1].to_dict())

``cluster`` returns exactly the columns of ``storydedup cluster -f csv``, ``pairs`` those of
``storydedup matrix -f long``, and ``diff`` the object of ``storydedup diff -f json``. Bad
input raises :class:`StorydedupError` with the one-line message the command line prints
(the documents are called ``docs``, and their lines count from 1).
"""

import io
import json

import pandas as pd

from . import _storydedup
from ._storydedup import StorydedupError

# Named where users import it from, so that the error pickles (a Dask worker raising it
# reaches the client as this very class).
StorydedupError.__module__ = "storydedup"

__all__ = ["cluster", "pairs", "diff", "tune", "StorydedupError"]

#: The fields a document may have besides its ``text``.
FIELDS = ("id", "title", "source", "date", "url")

#: How the CSVs are read: ids stay strings, copy groups stay integers with gaps.
CLUSTER_DTYPES = {"id": str, "copy_group": "Int64", "copy_of": str}
PAIR_DTYPES = {"a": str, "b": str}


def _string_columns(frame):
    """``frame`` as JSON lines when every column holds strings (or nothing), as pandas
    writes them but in Rust (pandas 3 took half the time of a run); None otherwise."""
    values = []
    for c in frame.columns:
        column = frame[c]
        if not pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
            return None
        values.append(column.to_numpy(dtype=object, na_value=None).tolist())
    try:
        return _storydedup.jsonl_of_columns([str(c) for c in frame.columns], values)
    except TypeError:  # a value that is not a string: pandas writes it
        return None


def _jsonl(docs):
    """The documents as JSON lines, as the command line reads a ``.jsonl`` file."""
    if isinstance(docs, pd.DataFrame):
        columns = [c for c in ("text",) + FIELDS if c in docs.columns]
        if "text" not in columns:
            raise StorydedupError(
                "storydedup: docs: no `text` column (columns: %s)" % ",".join(map(str, docs.columns))
            )
        frame = docs[columns]
        if len(frame) == 0:
            return ""
        fast = _string_columns(frame)
        if fast is not None:
            return fast
        return frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return "\n".join(json.dumps(dict(d), ensure_ascii=False, default=str) for d in docs)


def cluster(docs, *, measure="story", threshold=None, window=3, linkage=None,
            shingle="word:5", threads=None):
    """Groups ``docs`` into stories: one row per document, the columns of
    ``storydedup cluster -f csv`` (``cluster, id, source, title, date, url, size,
    similarity, copy_group, cites, copy_of``).

    ``docs`` is a DataFrame with a ``text`` column (and optionally ``id``, ``title``,
    ``source``, ``date``, ``url``) or an iterable of dicts with those keys. The options
    are the command line's: ``measure`` (story, jaccard, containment), ``threshold``
    (default: the measure's), ``window`` in days, ``linkage`` (average, single,
    centroid), ``shingle`` (word:K or char:K), ``threads`` (default: one per core).
    """
    text = _storydedup.cluster_csv(_jsonl(docs), measure, threshold, window, linkage,
                                   shingle, threads)
    return pd.read_csv(io.StringIO(text), dtype=CLUSTER_DTYPES)


def pairs(docs, *, measure="story", min_score=0.0, window=3, shingle="word:5", threads=None):
    """Every pair of ``docs`` scoring at least ``min_score``: the columns of
    ``storydedup matrix -f long`` (``a, b, score`` and the measure's parts)."""
    text = _storydedup.pairs_csv(_jsonl(docs), measure, min_score, window, shingle, threads)
    return pd.read_csv(io.StringIO(text), dtype=PAIR_DTYPES)


def _truth(truth):
    """``truth`` as (id, story) string pairs, repeats kept (to be refused): a DataFrame with
    an ``id`` column and a ``cluster`` (or ``group``, ``label``) column, a Series indexed by
    id, a dict, or (id, story) pairs. A missing story is blank: not labelled."""
    if isinstance(truth, pd.DataFrame):
        label = next((c for c in ("cluster", "group", "label") if c in truth.columns), None)
        if "id" not in truth.columns or label is None:
            raise StorydedupError(
                "storydedup: truth: needs an `id` column and a `cluster`, `group` or `label` "
                "column (columns: %s)" % ",".join(map(str, truth.columns)))
        pairs = zip(truth["id"], truth[label])
    elif isinstance(truth, (pd.Series, dict)):
        pairs = truth.items()
    else:
        pairs = truth
    blank = lambda v: v is None or (isinstance(v, float) and v != v)
    return [(str(k), "" if blank(v) else str(v)) for k, v in pairs]


def tune(docs, truth, *, thresholds=None, metric="ari", measure="story", threshold=None,
         window=3, linkage=None, shingle="word:5", threads=None):
    """The threshold for your own labelled stories, as ``storydedup tune`` chooses it.

    ``truth`` gives the true story of some documents of ``docs`` (a DataFrame with ``id``
    and ``cluster`` columns, a Series indexed by id, or a dict); label whole stories: a
    document without a label (or with a blank one) is taken to be in none of them.
    ``thresholds`` is ``"FROM:TO:STEP"`` or ``"0.4,0.45"`` (default ``"0.20:0.80:0.05"``),
    ``metric`` ari, bcubed or pairwise; the other options are :func:`cluster`'s.

    Returns a dict: ``rows`` (a DataFrame, one row per threshold, the columns of ``tune -f
    csv``), ``best``, ``recommended``, ``current``, ``held_out`` and the rest of
    ``tune -f json``.
    """
    text = _storydedup.tune_json(_jsonl(docs), _truth(truth), thresholds, metric, measure,
                                 threshold, window, linkage, shingle, threads)
    out = json.loads(text)
    rows = pd.json_normalize(out["rows"], sep="_")
    for flag in ("current", "best", "recommended"):
        rows[flag] = rows["threshold"] == out[flag]
    out["rows"] = rows
    return out


def diff(left, right, *, window=3):
    """The side-by-side comparison of two documents (dicts with a ``text``, or plain
    strings): the object of ``storydedup diff -f json`` as a dict."""
    def doc(d, name):
        return {"id": name, "text": d} if isinstance(d, str) else dict(d)
    text = _storydedup.diff_json(_jsonl([doc(left, "left"), doc(right, "right")]), window)
    return json.loads(text)
