"""The Python package gives what the command line gives, on the same documents.

Needs the command line built (``cargo build --release``; or ``STORYDEDUP_BIN``) to compare.
"""
import io
import json
import os
import subprocess
import threading
from pathlib import Path

import pandas as pd
import pytest

import storydedup

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("STORYDEDUP_BIN", str(ROOT / "target" / "release" / "storydedup"))


def cli(*args):
    out = subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout


def read_docs(name):
    # Dates as written, ids as strings: what the command line reads.
    return pd.read_json(ROOT / "fixtures" / name / "articles.jsonl", lines=True, dtype=False)


@pytest.mark.parametrize("name", ["news", "events4"])
def test_cluster_equals_the_command_line(name):
    docs = read_docs(name)
    got = storydedup.cluster(docs)
    want = pd.read_csv(io.StringIO(cli("cluster", f"fixtures/{name}/articles.jsonl", "-f", "csv")),
                       dtype=storydedup.CLUSTER_DTYPES)
    pd.testing.assert_frame_equal(got, want)
    assert got["id"].is_unique and len(got) == len(docs)
    assert got["cluster"].nunique() < len(docs)
    # An iterable of dicts is read the same way.
    records = docs.to_dict(orient="records")
    pd.testing.assert_frame_equal(storydedup.cluster(iter(records)), want)


def test_copy_measure_options_equal_the_command_line():
    docs = read_docs("news")
    got = storydedup.cluster(docs, measure="jaccard", threshold=0.3, shingle="word:3")
    want = pd.read_csv(io.StringIO(cli("cluster", "fixtures/news/articles.jsonl", "-f", "csv",
                                       "-m", "jaccard", "-t", "0.3", "--shingle", "word:3")),
                       dtype=storydedup.CLUSTER_DTYPES)
    pd.testing.assert_frame_equal(got, want)


def test_pairs_equal_the_command_line():
    docs = read_docs("news")
    got = storydedup.pairs(docs, min_score=0.2)
    want = pd.read_csv(io.StringIO(cli("matrix", "fixtures/news/articles.jsonl", "-f", "long",
                                       "--min-score", "0.2")), dtype=storydedup.PAIR_DTYPES)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns[:3]) == ["a", "b", "score"] and (got["score"] >= 0.2).all()


def test_diff_equals_the_command_line():
    seeds = sorted((ROOT / "seeds").iterdir())
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    got = storydedup.diff({"id": seeds[0].stem, "text": texts[0]},
                          {"id": seeds[1].stem, "text": texts[1]})
    want = json.loads(cli("diff", str(seeds[0]), str(seeds[1]), "-f", "json"))
    assert got["similarity"] == want["similarity"]
    assert got["rows"] == want["rows"]
    assert any(r["kind"] == "match" for r in got["rows"])


def test_tune_equals_the_command_line():
    docs = pd.read_json(ROOT / "fixtures" / "events4" / "articles-nodates.jsonl", lines=True,
                        dtype=False)
    truth = pd.read_csv(ROOT / "fixtures" / "events4" / "truth.csv", dtype=str)
    got = storydedup.tune(docs, truth, thresholds="0.3:0.6:0.05", metric="bcubed", threshold=0.9)
    want = json.loads(cli("tune", "fixtures/events4/articles-nodates.jsonl", "--truth",
                          "fixtures/events4/truth.csv", "--thresholds", "0.3:0.6:0.05",
                          "--metric", "bcubed", "-t", "0.9", "-f", "json"))
    rows = want.pop("rows")
    assert {k: v for k, v in got.items() if k != "rows"} == want
    assert got["recommended"] == got["best"] < 0.9
    table = pd.read_csv(io.StringIO(cli("tune", "fixtures/events4/articles-nodates.jsonl",
                                        "--truth", "fixtures/events4/truth.csv", "--thresholds",
                                        "0.3:0.6:0.05", "--metric", "bcubed", "-t", "0.9",
                                        "-f", "csv")))
    frame = got["rows"]
    assert list(frame["threshold"]) == list(table["threshold"]) == [r["threshold"] for r in rows]
    for column in ("ari", "bcubed_f1", "pairwise_f1"):
        assert frame[column].round(6).tolist() == table[column].tolist()
    for flag in ("current", "best", "recommended"):
        assert frame[flag].tolist() == table[flag].tolist()


def test_tune_reads_blank_labels_and_refuses_bad_ones():
    docs = read_docs("events3")
    truth = pd.read_csv(ROOT / "fixtures" / "events3" / "truth.csv", dtype=str)
    half = truth.copy()
    half.loc[half.index >= len(half) // 2, "cluster"] = None
    got = storydedup.tune(docs, half, thresholds="0.45")
    assert (got["documents"], got["unlabelled"]) == (len(truth) // 2, len(truth) - len(truth) // 2)
    # A Series or a dict says the same.
    series = truth.set_index("id")["cluster"]
    assert storydedup.tune(docs, series, thresholds="0.45")["rows"].equals(
        storydedup.tune(docs, dict(series), thresholds="0.45")["rows"])
    for bad, message in [
        (dict(truth=truth, thresholds="0.9:0.1:0.1"), "FROM <= TO"),
        (dict(truth=truth, metric="f2"), "unknown metric"),
        (dict(truth=truth.rename(columns={"cluster": "story"})), "needs an `id` column"),
        (dict(truth={"nobody": "x"}), "labels none of the"),
        (dict(truth=[("a1", "x"), ("a1", "y")]), "labelled twice"),
    ]:
        with pytest.raises(storydedup.StorydedupError, match=message):
            storydedup.tune(docs, **bad)


def test_bad_input_raises_the_command_lines_message():
    with pytest.raises(storydedup.StorydedupError, match=r"^storydedup: docs:2: record has no `text` field"):
        storydedup.cluster([{"id": "a", "text": "One."}, {"id": "b", "body": "Two."}])
    with pytest.raises(storydedup.StorydedupError, match=r"duplicate id \"a\""):
        storydedup.cluster([{"id": "a", "text": "One."}, {"id": "a", "text": "Two."}])
    with pytest.raises(storydedup.StorydedupError, match=r"no `text` column"):
        storydedup.cluster(pd.DataFrame({"body": ["x"]}))
    with pytest.raises(storydedup.StorydedupError, match=r"threshold must be between 0 and 1"):
        storydedup.cluster([{"text": "One."}], threshold=2.0)
    with pytest.raises(storydedup.StorydedupError, match=r"no documents"):
        storydedup.cluster([])
    with pytest.raises(storydedup.StorydedupError, match=r"threads must be between 1 and 1024"):
        storydedup.cluster([{"text": "One."}], threads=0)


def test_the_gil_is_released_while_rust_works():
    docs = pd.concat([read_docs("news")] * 30, ignore_index=True)
    docs["id"] = [f"d{i}" for i in range(len(docs))]
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        storydedup.cluster(docs, threads=1)
    finally:
        done.set()
        t.join()
    # A thread blocked on the GIL for the whole run would have ticked once or twice.
    assert len(ticks) > 5, len(ticks)
