"""A run on Dask gives what one process gives, whatever the partitions and workers.

Real worker processes (``LocalCluster``); a generated collection needs
``bench/gen_corpus.py`` (in the repository).
"""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

import storydedup  # noqa: E402
import storydedup.dask  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=3, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def fixture(name):
    return pd.read_json(ROOT / "fixtures" / name / "articles.jsonl", lines=True, dtype=False)


def generated(tmp_path_factory, docs, mode):
    out = tmp_path_factory.mktemp(f"gen-{mode}-{docs}")
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--docs", str(docs),
                    "--mode", mode, "--out", str(out), "-q"], check=True)
    return pd.read_json(out / "docs.jsonl", lines=True, dtype=False)


def same(docs, client, partitions, **options):
    one = storydedup.cluster(docs, **options)
    got = storydedup.dask.cluster(dd.from_pandas(docs, npartitions=partitions), client=client,
                                  **options)
    pd.testing.assert_frame_equal(got, one)
    return one


@pytest.mark.parametrize("name", ["news", "events4", "events3"])
@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_fixtures_equal_one_process(client, name, partitions):
    one = same(fixture(name), client, partitions)
    # Stories were found: the comparison is not between two runs of singletons.
    assert one["cluster"].nunique() < len(one) and one["id"].is_unique


@pytest.mark.parametrize("options", [
    {"window": 0},
    {"measure": "jaccard", "threshold": 0.3, "shingle": "word:3"},
    {"measure": "containment", "threshold": 0.5},
    {"linkage": "single", "threshold": 0.6},
])
def test_other_settings_equal_one_process(client, options):
    same(fixture("news"), client, 3, **options)


def test_generated_story_collection_equals_one_process(client, tmp_path_factory):
    docs = generated(tmp_path_factory, 3000, "story")
    one = same(docs, client, 4)
    assert one["cluster"].nunique() < len(docs) * 0.9
    same(docs, client, 3, window=0)


def test_generated_copies_through_lsh_buckets_equal_one_process(client, tmp_path_factory):
    # 5,200 documents: one process uses LSH for jaccard, so the Dask run shuffles band keys.
    docs = generated(tmp_path_factory, 5200, "copy")
    one = same(docs, client, 4, measure="jaccard")
    assert one["copy_group"].notna().any()


def test_default_scheduler_and_pandas_input(client):
    # No client named: Dask's default, the client made last. A pandas frame is cut itself.
    docs = fixture("events4")
    pd.testing.assert_frame_equal(storydedup.dask.cluster(docs), storydedup.cluster(docs))


def test_bad_input_raises_the_message_of_one_process(client):
    docs = fixture("news")
    bad = docs.copy()
    bad.loc[40, "text"] = None  # a record without its text
    with pytest.raises(storydedup.StorydedupError) as one:
        storydedup.cluster(bad)
    with pytest.raises(storydedup.StorydedupError) as got:
        storydedup.dask.cluster(dd.from_pandas(bad, npartitions=3), client=client)
    assert str(got.value) == str(one.value) and ":41:" in str(one.value)


def test_an_id_repeated_in_another_partition_is_refused_as_one_process_refuses_it(client):
    docs = fixture("news")
    dup = docs.copy()
    dup["id"] = dup["id"].astype(object)
    dup.loc[60, "id"] = dup.loc[3, "id"]
    with pytest.raises(storydedup.StorydedupError) as one:
        storydedup.cluster(dup)
    with pytest.raises(storydedup.StorydedupError) as got:
        storydedup.dask.cluster(dd.from_pandas(dup, npartitions=3), client=client)
    assert str(got.value) == str(one.value)
    assert "duplicate id" in str(got.value) and ":61:" in str(got.value)


def test_missing_text_column_is_refused(client):
    frame = dd.from_pandas(pd.DataFrame({"body": ["a", "b"]}), npartitions=1)
    with pytest.raises(storydedup.StorydedupError, match="no `text` column"):
        storydedup.dask.cluster(frame, client=client)


def test_a_pandas_frame_keeps_its_row_order(client):
    # An index out of order: the rows are still the documents in the frame's order, so
    # default ids (line numbers) name the same documents as in one process.
    docs = fixture("events4").drop(columns=["id"]).sample(frac=1.0, random_state=3)
    got = storydedup.dask.cluster(docs, client=client)
    pd.testing.assert_frame_equal(got, storydedup.cluster(docs))


def test_bad_options_are_refused_before_any_work_and_the_error_pickles(client):
    import pickle
    frame = dd.from_pandas(fixture("news"), npartitions=2)
    for options in [{"measure": "bogus"}, {"threshold": 1.5}, {"linkage": "x"},
                    {"shingle": "word:0"}, {"threads": 0}]:
        with pytest.raises(storydedup.StorydedupError) as got:
            storydedup.dask.cluster(frame, client=client, **options)
        with pytest.raises(storydedup.StorydedupError) as one:
            storydedup.cluster(fixture("news"), **options)
        assert str(got.value) == str(one.value), options
    # Raised on a worker, the error reaches the client as the class users catch.
    again = pickle.loads(pickle.dumps(storydedup.StorydedupError("storydedup: x")))
    assert type(again) is storydedup.StorydedupError and str(again) == "storydedup: x"


def test_nothing_stays_on_the_workers_after_a_run(client):
    import time
    storydedup.dask.cluster(dd.from_pandas(fixture("news"), npartitions=3), client=client)
    # The workers let go of released parts a moment after the client says so.
    deadline = time.monotonic() + 10
    while any(client.has_what().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(client.has_what().values()), client.has_what()


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_any_number_of_workers_gives_one_process_result(tmp_path_factory, workers):
    docs = generated(tmp_path_factory, 2000, "story")
    copies = generated(tmp_path_factory, 2000, "copy")
    with distributed.LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        same(docs, c, 5)
        same(copies, c, 5, measure="jaccard", threshold=0.5)
