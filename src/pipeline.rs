//! The one place where the stages are wired together: corpus in, report model out.
//!
//! `ingest -> (normalize, tokenize) -> shingle | weigh -> candidates -> score -> cluster`.
//! Everything here is deterministic: parallel stages collect in input order, and the
//! clustering breaks ties by document id.

use rayon::prelude::*;

use crate::candidates::{self, Engine};
use crate::cluster::{Edge, cluster_dated, join_identical};
use crate::config::{Candidates, ClusterConfig, Measure, ScoreConfig};
use crate::document::Corpus;
use crate::error::Error;
use crate::explain;
pub use crate::explain::diff_documents;
use crate::facts::{
    OneText, TextFacts, digest_dropping_text, features, from_digests, from_story_digests,
    scorer_of_sets, story_text_dropping_text, word_shingles,
};
use crate::ingest::{self, FieldNames};
use crate::links;
use crate::progress::{Progress, Silent, Stage, thousands};
use crate::report::{ClusterReport, CollectionView, Parameters};
use crate::score::{Scorer, cosine_of};
use crate::shingle::{Shingles, normalise_set};
use crate::weigh::DocTerms;

/// How a run goes beyond what decides its results: the candidate engine, what the
/// clusters' descriptions include, and where progress goes.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// How candidate pairs are found (`--candidates`).
    pub candidates: Candidates,
    /// Whether clusters list their shared terms (the table and JSON show them; the CSV
    /// does not, and leaving them out saves re-reading every clustered text).
    pub shared_terms: bool,
    /// Where progress and notes go.
    pub progress: &'a dyn Progress,
    /// Which record fields hold what (`None`: the standard names).
    pub fields: Option<&'a FieldNames>,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            candidates: Candidates::Auto,
            shared_terms: true,
            progress: &Silent,
            fields: None,
        }
    }
}

/// Scores and clusters a corpus (candidates `auto`, no progress shown).
pub fn cluster_corpus(
    corpus: &Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> ClusterReport {
    // `auto` never refuses: it falls back to the exact engine wherever LSH does not apply.
    cluster_corpus_with(corpus, score, config, &Run::default())
        .expect("auto candidates apply to every measure")
}

/// Scores and clusters a corpus, finding candidate pairs as `run.candidates` says and
/// reporting progress (and the engine chosen, as a note) to `run.progress`.
///
/// # Errors
/// [`Error::Usage`] when `candidates` does not apply to the measure (see
/// [`candidates::plan`]).
pub fn cluster_corpus_with(
    corpus: &Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
    run: &Run<'_>,
) -> Result<ClusterReport, Error> {
    let engine = plan(corpus, score, config, run)?;
    let (scorer, facts) = features(&corpus.docs, score.clone(), run.progress);
    Ok(cluster_scored(
        corpus, &scorer, &facts, config, &engine, run,
    ))
}

/// A collection read for clustering: its documents, and their features and text facts
/// when these were taken as the documents were read (see [`read_for_clustering`]).
pub struct Prepared {
    /// The documents; without their texts when the features were taken while reading.
    pub corpus: Corpus,
    /// What was taken of each document while reading, if anything.
    pub(crate) features: Option<Taken>,
}

/// What a clustering run takes of each document as it is read.
pub(crate) enum Taken {
    /// A copy measure on `word:5`: the word shingle sets (not sorted yet) and text facts.
    Copy(Vec<Shingles>, TextFacts),
    /// The story measure: each document's terms (weighed once all are read) and facts.
    Story(Vec<DocTerms>, Vec<OneText>),
}

/// Reads `inputs` for a clustering run. Where no later stage reads the texts again (no
/// shared terms; for a copy measure, shingles of `word:5`), each document's features and
/// text facts are taken as it is read (for JSONL, on the thread that parsed it) and its text let go:
/// memory then never holds the texts all at once, and each text is walked while it is
/// still in the cache. The report's renderers read only ids and metadata, which stay.
/// Other runs read the collection whole, texts included.
///
/// # Errors
/// As [`crate::ingest::read_inputs`].
pub fn read_for_clustering(
    inputs: &[String],
    score: &ScoreConfig,
    run: &Run<'_>,
) -> Result<Prepared, Error> {
    let default = FieldNames::default();
    let names = run.fields.unwrap_or(&default);
    if score.measure == Measure::Story && !run.shared_terms {
        let (corpus, digests) =
            ingest::read_inputs_digesting(inputs, run.progress, names, &story_text_dropping_text)?;
        let (terms, ones) = digests.into_iter().unzip();
        return Ok(Prepared {
            corpus,
            features: Some(Taken::Story(terms, ones)),
        });
    }
    // Copy groups are made of word 5-shingles: other sizes shingle the texts again.
    let k = word_shingles(score).filter(|&k| k == 5 && !run.shared_terms);
    let Some(k) = k else {
        let corpus = ingest::read_inputs_named(inputs, run.progress, names)?;
        return Ok(Prepared {
            corpus,
            features: None,
        });
    };
    let (corpus, digests) = ingest::read_inputs_digesting(inputs, run.progress, names, &|doc| {
        digest_dropping_text(doc, k)
    })?;
    let (sets, facts) = from_digests(digests);
    Ok(Prepared {
        corpus,
        features: Some(Taken::Copy(sets, facts)),
    })
}

/// Scores and clusters a collection read by [`read_for_clustering`] with the same `score`
/// and `run`. Where the features were taken while reading, they are used up (`prepared`
/// keeps its documents). With LSH, only the shingle sets of documents in a candidate pair
/// are sorted for the exact measure, and the others let go: no other set is ever
/// compared, and sorting every set was a tenth of a copy-level run.
///
/// # Errors
/// As [`cluster_corpus_with`].
pub fn cluster_prepared(
    prepared: &mut Prepared,
    score: &ScoreConfig,
    config: &ClusterConfig,
    run: &Run<'_>,
) -> Result<ClusterReport, Error> {
    let corpus = &prepared.corpus;
    let (mut sets, facts) = match prepared.features.take() {
        None => return cluster_corpus_with(corpus, score, config, run),
        Some(Taken::Story(terms, ones)) => {
            let engine = plan(corpus, score, config, run)?;
            let dates = corpus.docs.iter().map(|d| d.date).collect();
            let (scorer, facts) = from_story_digests(dates, score.clone(), terms, ones);
            return Ok(cluster_scored(
                corpus, &scorer, &facts, config, &engine, run,
            ));
        }
        Some(Taken::Copy(sets, facts)) => (sets, facts),
    };
    let engine = plan(corpus, score, config, run)?;
    let floor = links::floor(score, config);
    let dates: Vec<_> = corpus.docs.iter().map(|d| d.date).collect();
    let (scorer, edges) = match &engine {
        Engine::Lsh(banding) => {
            candidates::find_lsh_unsorted(sets, banding, floor, run.progress, |mut sets, paired| {
                sets.par_iter_mut().zip(paired).for_each(|(set, &paired)| {
                    if paired {
                        normalise_set(set);
                    } else {
                        *set = Vec::new();
                    }
                });
                scorer_of_sets(score.clone(), sets, dates)
            })
        }
        Engine::Exact => {
            sets.par_iter_mut().for_each(normalise_set);
            let scorer = scorer_of_sets(score.clone(), sets, dates);
            let edges = candidates::find(&scorer, &engine, floor, run.progress);
            (scorer, edges)
        }
    };
    let edges = edges
        .into_iter()
        .filter_map(|p| links::edge_of(&scorer, config, p))
        .collect();
    Ok(cluster_edges(corpus, &scorer, &facts, config, edges, run))
}

/// The candidate engine of a run, announced as a note.
fn plan(
    corpus: &Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
    run: &Run<'_>,
) -> Result<Engine, Error> {
    let floor = links::floor(score, config);
    let engine = candidates::plan(run.candidates, score.measure, corpus.len(), floor)?;
    run.progress
        .note(&candidates::describe(&engine, corpus.len()));
    Ok(engine)
}

/// Clusters a corpus whose features and text facts are already computed (its texts may
/// be gone).
fn cluster_scored(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    config: &ClusterConfig,
    engine: &Engine,
    run: &Run<'_>,
) -> ClusterReport {
    let edges = links::edges(scorer, engine, config, run.progress);
    cluster_edges(corpus, scorer, facts, config, edges, run)
}

/// [`cluster_scored`] with the pairs at or above the edge floor already found (scored on
/// the scale of reported scores). The scorer is asked only about pairs inside clusters.
fn cluster_edges(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    config: &ClusterConfig,
    edges: Vec<Edge>,
    run: &Run<'_>,
) -> ClusterReport {
    let progress = run.progress;
    let score = &scorer.config;
    let story = score.measure == Measure::Story;
    let internal = ClusterConfig {
        threshold: if story {
            cosine_of(config.threshold)
        } else {
            config.threshold
        },
        ..config.clone()
    };
    // Counted in documents as each group is described (the merging before that is quick).
    progress.start(Stage::Clusters, Some(corpus.len() as u64));
    let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
    let dates: Vec<_> = corpus.docs.iter().map(|d| d.date).collect();
    // The window binds clusters as a whole for the story measure, not just pairs.
    let window = if score.measure == Measure::Story {
        score.window_days
    } else {
        0
    };
    let groups = cluster_dated(&ids, &dates, window, &edges, &internal);
    drop(edges);
    // Byte-identical articles belong together whatever their dates.
    let groups = join_identical(groups, &facts.identity, &ids);
    let clusters = groups
        .into_par_iter()
        .enumerate()
        .map(|(i, members)| {
            let size = members.len() as u64;
            let c = explain::describe(corpus, scorer, facts, i + 1, members, run.shared_terms);
            progress.advance(size);
            c
        })
        .collect::<Vec<_>>();
    progress.finish();
    progress.note(&format!(
        "clusters: {} formed",
        thousands(clusters.len() as u64)
    ));
    ClusterReport {
        documents: corpus.len(),
        clusters,
        parameters: Parameters {
            measure: score.measure,
            threshold: config.threshold,
            linkage: config.linkage,
            shingle: score.shingle,
            window_days: score.window_days,
        },
    }
}
/// Everything the HTML report shows: clusters, the score histogram, the heat map, and each
/// member of each story aligned with the story's representative.
pub fn collection_view<'a>(
    corpus: &'a Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> CollectionView<'a> {
    collection_view_with(corpus, score, config, &Run::default(), REPORT_DIFFS)
        .expect("auto candidates apply to every measure")
}

/// Diffs a report shows by default: about 3 MB of a 20,000-article page (each diff of two
/// 300-word articles is some 10 KB of HTML), which keeps the page under 15 MB.
pub const REPORT_DIFFS: usize = 300;

/// [`collection_view`] with a choice of candidate engine for the clustering, progress, and
/// the number of diffs shown (`diffs`, shared out by quotas: the largest stories first, up to 25 members each).
///
/// # Errors
/// As [`cluster_corpus_with`].
pub fn collection_view_with<'a>(
    corpus: &'a Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
    run: &Run<'_>,
    diffs: usize,
) -> Result<CollectionView<'a>, Error> {
    let engine = plan(corpus, score, config, run)?;
    let (scorer, facts) = features(&corpus.docs, score.clone(), run.progress);
    let clusters = cluster_scored(corpus, &scorer, &facts, config, &engine, run);
    let (histogram, heatmap) = explain::charts(&scorer, &clusters, run.progress);
    let diffs = explain::member_diffs(corpus, &scorer, &clusters, diffs, run.progress);
    Ok(CollectionView {
        clusters,
        histogram,
        heatmap,
        diffs,
    })
}
