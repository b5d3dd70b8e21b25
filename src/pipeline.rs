//! The one place where the stages are wired together: corpus in, report model out.
//!
//! `ingest -> (normalize, tokenize) -> shingle | weigh -> candidates -> score -> cluster`.
//! Everything here is deterministic: parallel stages collect in input order, and the
//! clustering breaks ties by document id.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::align::align;
use crate::candidates::{self, AllPairs, Engine, Pair};
use crate::cluster::{Edge, cluster_dated, join_identical};
use crate::config::{Candidates, ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind};
use crate::copies::{copy_groups, copy_groups_of};
use crate::document::Corpus;
use crate::document::Document;
use crate::error::Error;
use crate::facts::{
    OneText, TextFacts, digest_dropping_text, features, from_digests, from_story_digests,
    scorer_of_sets, story_text_dropping_text, word_shingles,
};
use crate::ingest;
use crate::progress::{Progress, Silent, Stage};
use crate::report::{
    ClusterReport, CollectionView, DiffReport, Heatmap, Parameters, Similarities, StoryCluster,
};
use crate::score::{Features, SHORT_SHARE, Scorer, calibrate, cosine_of};
use crate::shingle::{Shingles, normalise_set};
use crate::weigh::{DocTerms, TermVector, Weights, occurrences_where};

/// Share of the threshold below which pairs are not kept for average linkage: they count as
/// 0 in cluster averages. Half the threshold keeps the kept graph sparse while a missing
/// pair can shift an average by less than that. The candidate search applies it to the
/// cosine; pairs of short texts whose evidence weight ([`Scorer::evidence_weight`]) lifts
/// them over it are found by a second search ([`short_pairs`]).
const EDGE_FLOOR_SHARE: f64 = 0.5;
/// How much more a multi-word name counts than a single word when listing shared terms.
const PHRASE_DISPLAY: f64 = 2.0;
/// Shared terms listed per cluster.
const SHARED_TERMS: usize = 10;
/// Clusters larger than this get their similarity statistics from a sample of pairs.
const EXACT_STATS_MAX: usize = 400;

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
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            candidates: Candidates::Auto,
            shared_terms: true,
            progress: &Silent,
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
    features: Option<Taken>,
}

/// What a clustering run takes of each document as it is read.
enum Taken {
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
    if score.measure == Measure::Story && !run.shared_terms {
        let (corpus, digests) =
            ingest::read_inputs_digesting(inputs, run.progress, &story_text_dropping_text)?;
        let (terms, ones) = digests.into_iter().unzip();
        return Ok(Prepared {
            corpus,
            features: Some(Taken::Story(terms, ones)),
        });
    }
    // Copy groups are made of word 5-shingles: other sizes shingle the texts again.
    let k = word_shingles(score).filter(|&k| k == 5 && !run.shared_terms);
    let Some(k) = k else {
        let corpus = ingest::read_inputs_with(inputs, run.progress)?;
        return Ok(Prepared {
            corpus,
            features: None,
        });
    };
    let (corpus, digests) =
        ingest::read_inputs_digesting(inputs, run.progress, &|doc| digest_dropping_text(doc, k))?;
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
    let floor = edge_floor(score, config);
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
        .filter_map(|p| edge_of(&scorer, config, p))
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
    let floor = edge_floor(score, config);
    let engine = candidates::plan(run.candidates, score.measure, corpus.len(), floor)?;
    run.progress
        .note(&candidates::describe(&engine, corpus.len()));
    Ok(engine)
}

/// The lowest score of a pair that clustering needs, on the scale of reported scores.
fn edge_floor(score: &ScoreConfig, config: &ClusterConfig) -> f64 {
    let story = score.measure == Measure::Story;
    let threshold = if story {
        cosine_of(config.threshold)
    } else {
        config.threshold
    };
    let floor = match config.linkage {
        Linkage::Average | Linkage::Centroid => threshold * EDGE_FLOOR_SHARE,
        Linkage::Single => threshold,
    };
    // A floor of exactly 0 would ask for every pair; the smallest positive score will do.
    let floor = if story { calibrate(floor) } else { floor };
    floor.max(f64::MIN_POSITIVE)
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
    let floor = edge_floor(&scorer.config, config);
    let keep = |p: Pair| edge_of(scorer, config, p);
    let mut edges = candidates::find_map(scorer, engine, floor, run.progress, &keep);
    edges.extend(short_pairs(
        scorer,
        engine,
        config,
        cosine_of(floor),
        run.progress,
    ));
    cluster_edges(corpus, scorer, facts, config, edges, run)
}

/// A scored pair as clustering reads it. Story scores are calibrated cosines; clustering
/// sums and averages the cosines themselves. Average linkage weighs each as evidence by
/// what the dates and lengths say of the pair; centroid linkage needs them as they are (its
/// sums are dot products of unit vectors), and single linkage would chain on every
/// weighted pair. `None` for a pair that adds nothing (a score of 0).
fn edge_of(scorer: &Scorer, config: &ClusterConfig, p: Pair) -> Option<Edge> {
    let (a, b) = (p.a as usize, p.b as usize);
    let weight = match scorer.config.measure {
        Measure::Story if config.linkage == Linkage::Average => {
            cosine_of(p.detail.score) * scorer.evidence_weight(a, b)
        }
        Measure::Story => cosine_of(p.detail.score),
        _ => p.detail.score,
    };
    (weight > 0.0).then_some(Edge {
        a: p.a,
        b: p.b,
        weight,
    })
}

/// The pairs of short texts whose evidence weight ([`Scorer::evidence_weight`], up to
/// `1 / SHORT_SHARE` for two dated headlines) lifts them to the edge floor `floor` (a
/// cosine) although their cosine is below it: average linkage on the story measure only.
/// Found by a second search among the texts short enough for that alone
/// ([`Scorer::may_weigh_more`]), so that a collection of articles pays nothing for it.
/// (Headlines of one big story share little pair by pair: UCI ARI 0.79 -> 0.83.)
///
/// The sub-collection counts its own document frequencies, which decide what its search
/// walks; scores read only the two documents, so they are those of the whole collection.
/// Two limits: a headline paired with a text too long to qualify on its own is not
/// searched, though their mean length may qualify; and where the search's per-document cap
/// binds (a document like thousands of others), it keeps the best pairs, which are the
/// ones the first search already has (the cap's warning is shown).
fn short_pairs(
    scorer: &Scorer,
    engine: &Engine,
    config: &ClusterConfig,
    floor: f64,
    progress: &dyn Progress,
) -> Vec<Edge> {
    let Features::Story(w) = &scorer.features else {
        return Vec::new();
    };
    if config.linkage != Linkage::Average {
        return Vec::new();
    }
    let short: Vec<usize> = (0..w.vectors.len())
        .filter(|&i| scorer.may_weigh_more(i))
        .collect();
    if short.len() < 2 {
        return Vec::new();
    }
    let vectors: Vec<TermVector> = short.iter().map(|&i| w.vectors[i].clone()).collect();
    let mut df = vec![0u32; w.df.len()];
    for t in vectors.iter().flat_map(|v| &v.terms) {
        df[t.0 as usize] += 1;
    }
    let weights = Weights {
        vectors,
        keys: w.keys.clone(),
        df,
        salient: w.salient.clone(),
        actors: short.iter().map(|&i| w.actors[i].clone()).collect(),
    };
    let dates = short.iter().map(|&i| scorer.dates[i]).collect();
    let sub = Scorer::from_features(scorer.config.clone(), Features::Story(weights), dates);
    let low = calibrate(floor * SHORT_SHARE).max(f64::MIN_POSITIVE);
    let keep = |p: Pair| {
        let (a, b) = (short[p.a as usize], short[p.b as usize]);
        let cosine = cosine_of(p.detail.score);
        let weight = cosine * scorer.evidence_weight(a, b);
        (cosine < floor && weight >= floor).then_some(Edge {
            a: a as u32,
            b: b as u32,
            weight,
        })
    };
    candidates::find_map(&sub, engine, low, progress, &keep)
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
    progress.start(Stage::Clusters, None);
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
        .map(|(i, members)| describe(corpus, scorer, facts, i + 1, members, run.shared_terms))
        .collect::<Vec<_>>();
    progress.advance(clusters.len() as u64);
    progress.finish();
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

/// Bins of the score histogram in the HTML report.
const HISTOGRAM_BINS: usize = 50;
/// The heat map has at most this many cells per side; larger collections are averaged in
/// blocks, which keeps the page small whatever the collection size.
const HEATMAP_MAX: usize = 300;
/// Rows of the similarity matrix computed at once for the report's charts.
const ROW_BLOCK: usize = 256;

/// Everything the HTML report shows: clusters, the score histogram, the heat map, and each
/// member of each story aligned with the story's representative.
pub fn collection_view<'a>(
    corpus: &'a Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> CollectionView<'a> {
    collection_view_with(corpus, score, config, &Run::default())
        .expect("auto candidates apply to every measure")
}

/// [`collection_view`] with a choice of candidate engine for the clustering, and progress.
///
/// # Errors
/// As [`cluster_corpus_with`].
pub fn collection_view_with<'a>(
    corpus: &'a Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
    run: &Run<'_>,
) -> Result<CollectionView<'a>, Error> {
    let engine = plan(corpus, score, config, run)?;
    let (scorer, facts) = features(&corpus.docs, score.clone(), run.progress);
    let clusters = cluster_scored(corpus, &scorer, &facts, config, &engine, run);
    let n = corpus.len();
    // Position of each document when ordered by cluster, and its heat-map block.
    let order: Vec<usize> = clusters
        .clusters
        .iter()
        .flat_map(|c| c.members.iter().copied())
        .collect();
    let size = n.clamp(1, HEATMAP_MAX);
    let mut block = vec![0usize; n];
    for (pos, &doc) in order.iter().enumerate() {
        block[doc] = pos * size / n.max(1);
    }
    let mut histogram = vec![0u64; HISTOGRAM_BINS];
    // Each block shows the highest score among its pairs (a document with itself aside):
    // averaging would wash small stories out once blocks hold several documents.
    let mut cells_max = vec![0.0f64; size * size];
    let engine = AllPairs::new(&scorer);
    let mut start = 0;
    while start < n {
        let end = (start + ROW_BLOCK).min(n);
        for (a, row) in (start..end).zip(engine.dense_rows(start..end)) {
            for (b, &v) in row.iter().enumerate() {
                if b > a {
                    let bin = ((v * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
                    histogram[bin] += 1;
                }
                if a != b {
                    let cell = &mut cells_max[block[a] * size + block[b]];
                    *cell = cell.max(v);
                }
            }
        }
        start = end;
    }
    let mut cells: Vec<u8> = cells_max
        .iter()
        .map(|&v| (v * 63.0).round().clamp(0.0, 63.0) as u8)
        .collect();
    if size == n {
        // One document per cell: the diagonal is the document with itself.
        for i in 0..size {
            cells[i * size + i] = 63;
        }
    }
    let diffs = clusters
        .clusters
        .par_iter()
        .map(|c| {
            if c.members.len() < 2 {
                return (c.members[0], Vec::new());
            }
            let rep = representative(corpus, &c.members);
            let diffs = c
                .members
                .iter()
                .filter(|&&m| m != rep)
                .map(|&m| {
                    let pair = [corpus.docs[rep].clone(), corpus.docs[m].clone()];
                    DiffReport {
                        left: &corpus.docs[rep],
                        right: &corpus.docs[m],
                        similarities: similarities(&pair, story_score(&scorer, &pair, rep, m)),
                        alignment: align(&corpus.docs[rep].text, &corpus.docs[m].text),
                    }
                })
                .collect();
            (rep, diffs)
        })
        .collect();
    Ok(CollectionView {
        clusters,
        histogram,
        heatmap: Heatmap { size, cells },
        diffs,
    })
}

/// The story score of a pair: from the collection's scorer when it scores stories, else
/// from the pair alone.
fn story_score(scorer: &Scorer, pair: &[Document; 2], a: usize, b: usize) -> f64 {
    if scorer.config.measure == Measure::Story {
        scorer.score(a, b)
    } else {
        Scorer::new(pair, ScoreConfig::default()).score(0, 1)
    }
}

/// The member the others are compared with: the earliest dated (the likely first report),
/// else the longest; ties go to the earlier in input order.
fn representative(corpus: &Corpus, members: &[usize]) -> usize {
    let key = |m: usize| {
        let d = &corpus.docs[m];
        (
            d.date.map_or(i64::MAX, |x| i64::from(x.days())),
            std::cmp::Reverse(d.text.len()),
            m,
        )
    };
    members.iter().copied().min_by_key(|&m| key(m)).unwrap_or(0)
}

/// Aligns documents `left` and `right` of a corpus; the story score uses the whole corpus'
/// term statistics (`window_days` as configured).
pub fn diff_documents(
    corpus: &Corpus,
    left: usize,
    right: usize,
    window_days: u32,
) -> DiffReport<'_> {
    let story = Scorer::new(
        &corpus.docs,
        ScoreConfig {
            window_days,
            ..ScoreConfig::default()
        },
    );
    let pair = [corpus.docs[left].clone(), corpus.docs[right].clone()];
    DiffReport {
        left: &corpus.docs[left],
        right: &corpus.docs[right],
        similarities: similarities(&pair, story.score(left, right)),
        alignment: align(&corpus.docs[left].text, &corpus.docs[right].text),
    }
}

/// Story score as given, and the copy measures of a pair computed on the pair alone.
fn similarities(pair: &[Document; 2], story: f64) -> Similarities {
    let copy = Scorer::new(
        pair,
        ScoreConfig {
            measure: Measure::Containment,
            shingle: ShingleKind::Word(5),
            window_days: 0,
        },
    );
    let d = copy.detail(0, 1);
    let jaccard = {
        let (a, b) = (d.a_in_b, d.b_in_a);
        // |A∩B|/|A∪B| from the two containments: 1/J = 1/a + 1/b - 1.
        if a > 0.0 && b > 0.0 {
            1.0 / (1.0 / a + 1.0 / b - 1.0)
        } else {
            0.0
        }
    };
    Similarities {
        story,
        jaccard,
        containment: d.score,
    }
}

/// Similarity statistics and shared terms of one cluster.
fn describe(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    number: usize,
    members: Vec<usize>,
    with_shared_terms: bool,
) -> StoryCluster {
    let k = members.len();
    let mut attachment = vec![0.0; k];
    let (mut min, mut sum, mut count) = (f64::INFINITY, 0.0, 0usize);
    if k > 1 {
        // Every pair for small clusters; a fixed stride of pairs for huge ones.
        let step = if k <= EXACT_STATS_MAX {
            1
        } else {
            k / EXACT_STATS_MAX + 1
        };
        let mut seen = vec![0usize; k];
        for i in 0..k {
            for j in (i + 1..k).step_by(step) {
                let s = scorer.score(members[i], members[j]);
                min = min.min(s);
                sum += s;
                count += 1;
                attachment[i] += s;
                attachment[j] += s;
                seen[i] += 1;
                seen[j] += 1;
            }
        }
        for (a, n) in attachment.iter_mut().zip(&seen) {
            if *n > 0 {
                *a /= *n as f64;
            }
        }
    }
    let (min_similarity, mean_similarity) = if count > 0 {
        (Some(min), Some(sum / count as f64))
    } else {
        (None, None)
    };
    let shared_terms = if k > 1 && with_shared_terms {
        shared_terms(corpus, scorer, &members)
    } else {
        Vec::new()
    };
    // Copy groups are made of word 5-shingles: the run's own, or those the story measure
    // took while reading the words; else the members' texts are shingled now.
    let copy_sets: Option<&[Shingles]> = match &scorer.features {
        Features::Shingles(sets) if scorer.config.shingle == ShingleKind::Word(5) => Some(sets),
        _ => facts.copy_sets.as_deref(),
    };
    let copies = match copy_sets {
        _ if k < 2 => Vec::new(),
        Some(sets) => {
            let refs: Vec<&[u64]> = members.iter().map(|&m| sets[m].as_slice()).collect();
            let lengths: Vec<usize> = members.iter().map(|&m| facts.lengths[m]).collect();
            copy_groups_of(&corpus.docs, &members, &lengths, &refs)
        }
        None => copy_groups(&corpus.docs, &members),
    };
    // An outlet naming itself ("told the Meridian Press") is no citation.
    let own = |m: usize, name: &str| {
        let bare = |s: &str| {
            s.trim()
                .trim_start_matches("The ")
                .trim_start_matches("the ")
                .to_lowercase()
        };
        corpus.docs[m]
            .source
            .as_deref()
            .is_some_and(|src| bare(src) == bare(name))
    };
    let cites: Vec<Vec<String>> = members
        .iter()
        .map(|&m| {
            facts.cites[m]
                .iter()
                .filter(|c| !own(m, c))
                .cloned()
                .collect()
        })
        .collect();
    let mut cited_sources: Vec<(String, usize)> = Vec::new();
    for c in cites.iter().flatten() {
        match cited_sources.iter_mut().find(|(name, _)| name == c) {
            Some(entry) => entry.1 += 1,
            None => cited_sources.push((c.clone(), 1)),
        }
    }
    cited_sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    StoryCluster {
        number,
        copies,
        cites,
        cited_sources,
        members,
        attachment: if k > 1 {
            attachment.into_iter().map(Some).collect()
        } else {
            vec![None]
        },
        min_similarity,
        mean_similarity,
        shared_terms,
    }
}

/// The salient terms most members share, best first: each term's weight summed over the
/// members holding it, among terms held by at least half the members (and at least two).
fn shared_terms(corpus: &Corpus, scorer: &Scorer, members: &[usize]) -> Vec<String> {
    struct Term {
        holders: usize,
        weight: f64,
        phrase: bool,
        surfaces: Vec<(String, usize)>,
        first_seen: usize,
    }
    // Fx maps: the keys are hashes already, and the order of a map is never read.
    let mut terms: FxHashMap<u64, Term> = FxHashMap::default();
    let mut seen_order = 0usize;
    // Visit members in id order, so ties (and float sums) do not depend on input order.
    let mut by_id = members.to_vec();
    by_id.sort_by(|&a, &b| corpus.docs[a].id.cmp(&corpus.docs[b].id));
    let need = members.len().div_ceil(2).max(2);
    // With term vectors, the terms enough members hold are known before the texts are
    // read again: only their written forms are gathered (the others could never be shown).
    let wanted: Option<FxHashSet<u64>> = match &scorer.features {
        Features::Story(w) => {
            let mut holders: FxHashMap<u32, usize> = FxHashMap::default();
            for &m in members {
                for &(id, _) in &w.vectors[m].terms {
                    *holders.entry(id).or_default() += 1;
                }
            }
            Some(
                holders
                    .into_iter()
                    .filter(|&(_, h)| h >= need)
                    .map(|(id, _)| w.keys[id as usize])
                    .collect(),
            )
        }
        Features::Shingles(_) => None,
    };
    if wanted.as_ref().is_some_and(FxHashSet::is_empty) {
        return Vec::new();
    }
    let keep = |key: u64| wanted.as_ref().is_none_or(|w| w.contains(&key));
    for &m in &by_id {
        let occ = occurrences_where(&corpus.docs[m], &keep);
        // The member's weight of each of its terms, by key (a search of the collection's
        // sorted keys per term waited on memory at every step).
        let weights: FxHashMap<u64, f32> = match &scorer.features {
            Features::Story(w) => w.vectors[m]
                .terms
                .iter()
                .map(|&(id, x)| (w.keys[id as usize], x))
                .collect(),
            Features::Shingles(_) => FxHashMap::default(),
        };
        let mut local: FxHashMap<u64, usize> = FxHashMap::default();
        for o in occ {
            *local.entry(o.key).or_default() += 1;
            let t = terms.entry(o.key).or_insert_with(|| {
                seen_order += 1;
                Term {
                    holders: 0,
                    weight: 0.0,
                    phrase: o.phrase,
                    surfaces: Vec::new(),
                    first_seen: seen_order,
                }
            });
            match t.surfaces.iter_mut().find(|(s, _)| *s == o.surface) {
                Some(entry) => entry.1 += 1,
                None => t.surfaces.push((o.surface, 1)),
            }
        }
        for (key, tf) in local {
            let t = terms.get_mut(&key).expect("term recorded above");
            t.holders += 1;
            t.weight += match &scorer.features {
                // The weight without its term-frequency factor: a name said once in each
                // report explains the story as well as one said ten times.
                Features::Story(_) => weights
                    .get(&key)
                    .map_or(0.0, |&x| f64::from(x) / (1.0 + (tf as f64).ln())),
                // Without term weights (copy measures), prefer names and repeated terms.
                Features::Shingles(_) => {
                    (1.0 + (tf as f64).ln()) * if t.phrase { 2.0 } else { 1.0 }
                }
            };
        }
    }
    let mut ranked: Vec<&Term> = terms
        .values()
        .filter(|t| t.holders >= need && t.weight > 0.0)
        .collect();
    // A multi-word name explains a cluster better than its parts: rank it ahead of them.
    let shown = |t: &Term| t.weight * if t.phrase { PHRASE_DISPLAY } else { 1.0 };
    ranked.sort_by(|a, b| {
        shown(b)
            .total_cmp(&shown(a))
            .then(a.first_seen.cmp(&b.first_seen))
    });
    let mut out: Vec<String> = Vec::new();
    let mut covered: Vec<String> = Vec::new();
    for t in ranked {
        // The most frequent surface form; the earliest seen among equals.
        let surface = t
            .surfaces
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|s| s.0.clone())
            .unwrap_or_default();
        let lower = surface.to_lowercase();
        if covered.iter().any(|c| c == &lower) {
            continue;
        }
        let words_of = |s: &str| {
            s.to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        if !t.phrase && out.iter().any(|o| words_of(o).contains(&lower)) {
            continue;
        }
        let inside = |short: &str, long: &str| {
            let (s, l) = (words_of(short), words_of(long));
            s.len() < l.len() && l.windows(s.len()).any(|w| w == s.as_slice())
        };
        // "Sergey Lavrov" adds nothing after "Foreign Minister Sergey Lavrov".
        if t.phrase && out.iter().any(|o| inside(&surface, o)) {
            continue;
        }
        if t.phrase {
            // A name replaces the single words of it already listed.
            let parts = words_of(&surface);
            out.retain(|o| o.contains(' ') || !parts.contains(&o.to_lowercase()));
        }
        covered.push(lower);
        out.push(surface);
        if out.len() == SHARED_TERMS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    #[test]
    fn issue_13_dated_headlines_below_the_floor_are_found_by_their_weight() {
        // Two headlines of one story sharing one word of a dozen (cosine 0.06, under the
        // floor of 0.10), among others on other stories.
        let texts = [
            "Council promises quick repairs as mayor unveils traffic plan for weary drivers downtown",
            "Steel prices and heavy rain delay start of bridge repair work, contractor warns investors",
            "Farmers count losses after hail flattens wheat",
            "Museum reopens wing with medieval tapestries",
            "Striking nurses return to wards after pay deal",
            "Late goal sends Rovers into cup final",
            "Airline cancels flights as pilots walk out",
            "Lighthouse sold at auction to private buyer",
            "Roof repair bill shocks church wardens",
            "Repair crews restore water to town",
        ];
        let mut docs: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("h{i}"), *t))
            .collect();
        // Articles that also mention repairs: the word is held by more documents than the
        // short texts number, which the second search must still walk.
        for i in 0..12u8 {
            let words: String = (0..70u8)
                .map(|j| format!("zo{}{}q ", (b'a' + i) as char, (b'a' + j % 26) as char))
                .collect();
            docs.push(Document::new(format!("a{i}"), format!("{words} repair")));
        }
        let config = ClusterConfig::for_measure(Measure::Story);
        let floor = cosine_of(edge_floor(&ScoreConfig::default(), &config));
        let found = |docs: &[Document]| {
            let scorer = Scorer::new(docs, ScoreConfig::default());
            short_pairs(&scorer, &Engine::Exact, &config, floor, &Silent)
                .into_iter()
                .map(|e| {
                    let cosine = cosine_of(scorer.score(e.a as usize, e.b as usize));
                    assert!(cosine < floor, "{e:?}");
                    let weight = cosine * scorer.evidence_weight(e.a as usize, e.b as usize);
                    assert!(weight >= floor && weight == e.weight, "{e:?}");
                    (e.a, e.b)
                })
                .collect::<Vec<_>>()
        };
        for d in &mut docs {
            d.date = crate::document::Date::parse("2025-03-02");
        }
        let dated = found(&docs);
        assert!(dated.contains(&(0, 1)), "{dated:?}");
        // Every pair found is one the first search left out.
        let scorer = Scorer::new(&docs, ScoreConfig::default());
        let first: Vec<(u32, u32)> =
            candidates::find(&scorer, &Engine::Exact, calibrate(floor), &Silent)
                .into_iter()
                .map(|p| (p.a, p.b))
                .collect();
        assert!(
            dated.iter().all(|p| !first.contains(p)),
            "{dated:?} {first:?}"
        );
        // Centroid linkage takes cosines as they are: no second search.
        let centroid = ClusterConfig {
            linkage: Linkage::Centroid,
            ..config.clone()
        };
        assert!(short_pairs(&scorer, &Engine::Exact, &centroid, floor, &Silent).is_empty());
    }

    #[test]
    fn clusters_and_explains_a_tiny_corpus() {
        let texts = [
            (
                "a",
                "Mayor Ines Calder closed the Harbor Bridge on Monday after inspectors found cracks in two steel girders.",
            ),
            (
                "b",
                "Inspectors found cracks in the Harbor Bridge girders, and Mayor Ines Calder shut it on Monday.",
            ),
            (
                "c",
                "The Velda grain harvest failed, and wheat prices rose 40 percent at the Tamsin exchange.",
            ),
        ];
        let corpus = Corpus {
            docs: texts.iter().map(|(i, t)| Document::new(*i, *t)).collect(),
            warnings: vec![],
        };
        let r = cluster_corpus(
            &corpus,
            &ScoreConfig::default(),
            &ClusterConfig::for_measure(crate::config::Measure::Story),
        );
        assert_eq!(r.clusters.len(), 2);
        assert_eq!(r.clusters[0].members, vec![0, 1]);
        assert!(
            r.clusters[0]
                .shared_terms
                .iter()
                .any(|t| t.contains("Ines Calder")),
            "{:?}",
            r.clusters[0].shared_terms
        );
        assert!(r.clusters[0].min_similarity.unwrap() >= 0.3);
        assert_eq!(r.clusters[1].mean_similarity, None);
    }

    #[test]
    fn features_taken_while_reading_give_the_same_clusters() {
        // Copies, a near copy, a blank text, a text needing cleaning, a cited outlet and
        // thousands of others, in JSONL (digested as parsed, in parallel) and in CSV
        // (digested once read).
        let base = "Harbor crews closed the Tamsin bridge on Monday after inspectors found cracks in two girders, the Meridian Press reported, and the council said repairs would take weeks";
        let mut records: Vec<(String, String)> = vec![
            ("orig".into(), base.into()),
            ("copy".into(), base.into()),
            ("near".into(), format!("{base}. Staff contributed.")),
            ("blank".into(), "   ".into()),
            ("markup".into(), format!("<p>{base}</p> &amp; more")),
        ];
        for i in 0..3000 {
            records.push((
                format!("filler-{i}"),
                format!(
                    "Filler story {i} about ward {} and its {} lanterns, told once.",
                    i % 13,
                    i * 7
                ),
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("docs.jsonl");
        let lines: Vec<String> = records
            .iter()
            .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
            .collect();
        std::fs::write(&jsonl, lines.join("\n")).unwrap();
        let csv_path = dir.path().join("docs.csv");
        let mut w = csv::Writer::from_path(&csv_path).unwrap();
        w.write_record(["id", "text"]).unwrap();
        for (id, text) in &records {
            w.write_record([id, text]).unwrap();
        }
        w.flush().unwrap();
        let score = ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Word(5),
            window_days: 0,
        };
        let config = ClusterConfig::for_measure(Measure::Jaccard);
        let lean = Run {
            shared_terms: false,
            ..Run::default()
        };
        // LSH too, whose run sorts only the sets of documents in a candidate pair.
        let lean_lsh = Run {
            candidates: Candidates::Lsh,
            ..lean
        };
        for (path, lean) in [(&jsonl, &lean), (&csv_path, &lean), (&jsonl, &lean_lsh)] {
            let inputs = [path.to_string_lossy().into_owned()];
            let whole = ingest::read_inputs(&inputs).unwrap();
            let expected = cluster_corpus_with(&whole, &score, &config, lean).unwrap();
            let mut prepared = read_for_clustering(&inputs, &score, lean).unwrap();
            assert!(prepared.features.is_some());
            assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
            let ids = |c: &Corpus| c.docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&prepared.corpus), ids(&whole));
            assert_eq!(prepared.corpus.warnings, whole.warnings, "{path:?}");
            assert_eq!(prepared.corpus.warnings.len(), 1, "the blank text");
            let got = cluster_prepared(&mut prepared, &score, &config, lean).unwrap();
            assert_eq!(got, expected, "{path:?}");
            let first = &got.clusters[0];
            assert_eq!(first.members, vec![0, 1, 2, 4], "{path:?}");
            assert_eq!(first.cited_sources, vec![("Meridian Press".to_owned(), 4)]);
        }
        // The story measure, taken while reading too (copy groups from the weighing's word
        // hashes), equals the run over the whole collection.
        let story = ScoreConfig::default();
        let story_config = ClusterConfig::for_measure(Measure::Story);
        let inputs = [jsonl.to_string_lossy().into_owned()];
        let whole = ingest::read_inputs(&inputs).unwrap();
        let expected = cluster_corpus_with(&whole, &story, &story_config, &lean).unwrap();
        let mut prepared = read_for_clustering(&inputs, &story, &lean).unwrap();
        assert!(matches!(prepared.features, Some(Taken::Story(..))));
        assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
        let got = cluster_prepared(&mut prepared, &story, &story_config, &lean).unwrap();
        assert_eq!(got, expected);
        let home = got
            .clusters
            .iter()
            .find(|c| c.members.contains(&0))
            .unwrap();
        assert!(
            home.copies
                .iter()
                .any(|g| g.members.starts_with(&[0, 1, 2])),
            "{:?}",
            home.copies
        );
        // Shared terms read the texts again: they are kept.
        let inputs = [jsonl.to_string_lossy().into_owned()];
        let kept = read_for_clustering(&inputs, &score, &Run::default()).unwrap();
        assert!(kept.features.is_none() && kept.corpus.docs[0].text == base);
    }
}
