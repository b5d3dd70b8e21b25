//! The one place where the stages are wired together: corpus in, report model out.
//!
//! `ingest -> (normalize, tokenize) -> shingle | weigh -> candidates -> score -> cluster`.
//! Everything here is deterministic: parallel stages collect in input order, and the
//! clustering breaks ties by document id.

use rayon::prelude::*;

use crate::candidates::{self, Engine};
use crate::cluster::{Edge, cluster_dated, join_identical};
use crate::config::{Candidates, ClusterConfig, Measure, ScoreConfig};
use crate::document::{Corpus, Document};
use crate::error::Error;
use crate::explain;
pub use crate::explain::diff_documents;
use crate::facts::{
    Extract, Plan, Taken, TextFacts, assemble, assemble_counted, features, warn_all_wall,
};
use crate::ingest::{FieldNames, Reading, Source};
use crate::links;
use crate::progress::{Prefixed, Progress, Silent, Stage, thousands};
use crate::report::{ClusterReport, CollectionView, Parameters};
use crate::score::{Features, Scorer, cosine_of};
use crate::weigh::{Lexicon, Prior};

/// How a run goes beyond what decides its results: the candidate engine, what the
/// clusters' descriptions and the report include, and where progress goes. Its methods
/// are the pipeline's entry points; [`cluster_corpus`] and [`collection_view`] are the
/// defaults' shortcuts.
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
    /// How many member diffs a report shows (shared out by quotas: the largest stories
    /// first, up to 25 members each).
    pub diffs: usize,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            candidates: Candidates::Auto,
            shared_terms: true,
            progress: &Silent,
            fields: None,
            diffs: REPORT_DIFFS,
        }
    }
}

/// Diffs a report shows by default: about 3 MB of a 20,000-article page (each diff of two
/// 300-word articles is some 10 KB of HTML), which keeps the page under 15 MB.
pub const REPORT_DIFFS: usize = 300;

/// Scores and clusters a corpus (candidates `auto`, no progress shown).
pub fn cluster_corpus(
    corpus: &Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> ClusterReport {
    // `auto` never refuses: it falls back to the exact engine wherever LSH does not apply.
    Run::default()
        .cluster(corpus, score, config)
        .expect("auto candidates apply to every measure")
}

/// Everything the HTML report shows: clusters, the score histogram, the heat map, and each
/// member of each story aligned with the story's representative (the default run).
pub fn collection_view<'a>(
    corpus: &'a Corpus,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> CollectionView<'a> {
    Run::default()
        .collection_view(corpus, score, config)
        .expect("auto candidates apply to every measure")
}

/// The features of a collection about to be compared, warning on `progress` of the pages
/// whose text is all a site's wall (`crate::facts::warn_all_wall`); describing clusters
/// decided elsewhere compares nothing and calls [`features`] alone.
fn compared_features(
    corpus: &Corpus,
    score: &ScoreConfig,
    progress: &dyn Progress,
) -> (Scorer, TextFacts) {
    let (scorer, facts) = features(&corpus.docs, score.clone(), progress);
    warn_all_wall(&corpus.docs, score, &facts.all_wall, progress);
    (scorer, facts)
}

/// The scorer of a corpus (pairs without clusters: the matrix), counting documents on
/// `progress`.
pub fn scorer(corpus: &Corpus, score: ScoreConfig, progress: &dyn Progress) -> Scorer {
    assert!(!corpus.texts_dropped, "scoring needs the texts");
    compared_features(corpus, &score, progress).0
}

/// What `docs` add to a collection's statistics for the story measure (what a story index
/// keeps per term), their terms taken as every run takes them.
pub fn story_counts(docs: &[Document]) -> Prior {
    crate::facts::story_counts(docs)
}

/// A collection read for clustering ([`Run::read`]): its documents, and what was taken of
/// each as it was read when nothing later reads the texts again.
pub struct Prepared {
    /// The documents; their texts are gone when [`Corpus::texts_dropped`] says so.
    pub corpus: Corpus,
    /// What was taken of each document while reading, and how, if anything.
    pub(crate) taken: Option<(Plan, Vec<Taken>)>,
}

impl Run<'_> {
    /// How this run reads its inputs.
    pub fn reading(&self) -> Reading<'_> {
        Reading {
            progress: self.progress,
            fields: self.fields,
        }
    }

    /// Reads `inputs` for a clustering run. Where no later stage reads the texts again (no
    /// shared terms; the story measure, or a copy measure on `word:5`), each document's
    /// features and text facts are taken as it is read (for JSONL, on the thread that
    /// parsed it) and its text let go: memory then never holds the texts all at once, and
    /// each text is walked while it is still in the cache. The report's renderers read only
    /// ids and metadata, which stay. Other runs read the collection whole, texts included.
    ///
    /// # Errors
    /// As [`crate::ingest::read_inputs`].
    pub fn read(&self, inputs: &[String], score: &ScoreConfig) -> Result<Prepared, Error> {
        self.read_from(Source::Paths(inputs), score)
    }

    /// [`Run::read`] from any source, such as JSONL in memory.
    ///
    /// # Errors
    /// As [`crate::ingest::read_inputs`].
    pub fn read_from(&self, source: Source<'_>, score: &ScoreConfig) -> Result<Prepared, Error> {
        let extract = Extract::new(score, self.shared_terms);
        if !extract.drops_texts() {
            let (corpus, _) = self.reading().read_digesting(source, &|_| ())?;
            return Ok(Prepared {
                corpus,
                taken: None,
            });
        }
        let (mut corpus, taken) = self
            .reading()
            .read_digesting(source, &|doc| extract.take_dropping_text(doc))?;
        corpus.texts_dropped = true;
        Ok(Prepared {
            corpus,
            taken: Some((extract.plan(), taken)),
        })
    }

    /// Scores and clusters a corpus, finding candidate pairs as `self.candidates` says and
    /// reporting progress (and the engine chosen, as a note) to `self.progress`.
    ///
    /// # Errors
    /// [`Error::Setting`] when `candidates` does not apply to the measure (see
    /// [`candidates::plan`]).
    pub fn cluster(
        &self,
        corpus: &Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
    ) -> Result<ClusterReport, Error> {
        assert!(!corpus.texts_dropped, "clustering needs the texts");
        let engine = plan(corpus, score, config, self)?;
        let (scorer, facts) = compared_features(corpus, score, self.progress);
        Ok(cluster_scored(
            corpus, &scorer, &facts, config, &engine, self,
        ))
    }

    /// Scores and clusters a collection read by [`Run::read`] with the same `score` and
    /// run. Where the features were taken while reading, they are used up (`prepared`
    /// keeps its documents). With LSH, only the shingle sets of documents in a candidate
    /// pair are sorted for the exact measure, and the others let go: no other set is ever
    /// compared, and sorting every set was a tenth of a copy-level run.
    ///
    /// # Errors
    /// As [`Run::cluster`].
    pub fn cluster_prepared(
        &self,
        prepared: &mut Prepared,
        score: &ScoreConfig,
        config: &ClusterConfig,
    ) -> Result<ClusterReport, Error> {
        let corpus = &prepared.corpus;
        let Some((how, taken)) = prepared.taken.take() else {
            return self.cluster(corpus, score, config);
        };
        let engine = plan(corpus, score, config, self)?;
        let dates: Vec<_> = corpus.docs.iter().map(|d| d.date).collect();
        let (sets, facts) = match assemble(how, taken) {
            (Features::Shingles(sets), facts) => (sets, facts),
            (story, facts) => {
                warn_all_wall(&corpus.docs, score, &facts.all_wall, self.progress);
                let scorer = Scorer::from_features(score.clone(), story, dates);
                return Ok(cluster_scored(
                    corpus, &scorer, &facts, config, &engine, self,
                ));
            }
        };
        // The sets are as the texts gave them: sorted only where they are compared.
        let (scorer, edges) = candidates::find_unsorted(
            sets,
            &engine,
            links::floor(score, config),
            self.progress,
            |sets| Scorer::from_features(score.clone(), Features::Shingles(sets), dates),
        );
        let edges = edges
            .into_iter()
            .filter_map(|p| links::edge_of(&scorer, config, p))
            .collect();
        Ok(cluster_edges(corpus, &scorer, &facts, config, edges, self))
    }

    /// [`Run::cluster`] of a collection inside a larger one (a story index): for the story
    /// measure, the statistics are what `prior` gives for the term keys it is asked about
    /// (the larger collection's counts, the first `stored` documents of `corpus` among
    /// them) plus the documents from the `stored`-th on. Also returns what those documents
    /// add to the statistics (nothing for copy measures, which keep none).
    ///
    /// # Errors
    /// As [`Run::cluster`], and what `prior` returns.
    pub fn cluster_counted(
        &self,
        corpus: &Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
        stored: usize,
        prior: &mut dyn FnMut(&[u64]) -> Result<Prior, Error>,
    ) -> Result<(ClusterReport, Prior), Error> {
        if score.measure != Measure::Story {
            return Ok((self.cluster(corpus, score, config)?, Prior::default()));
        }
        assert!(!corpus.texts_dropped, "clustering needs the texts");
        let engine = plan(corpus, score, config, self)?;
        let extract = Extract::new(score, true);
        let taken: Vec<Taken> = corpus.docs.par_iter().map(|d| extract.take(d)).collect();
        let plan = extract.plan();
        drop(extract);
        let (features, facts, added) = assemble_counted(plan, taken, stored, prior)?;
        // The stored documents were warned of when they were added.
        let new: Vec<usize> = facts
            .all_wall
            .iter()
            .copied()
            .filter(|&i| i >= stored)
            .collect();
        warn_all_wall(&corpus.docs, score, &new, self.progress);
        let dates = corpus.docs.iter().map(|d| d.date).collect();
        let scorer = Scorer::from_features(score.clone(), features, dates);
        let report = cluster_scored(corpus, &scorer, &facts, config, &engine, self);
        Ok((report, added))
    }

    /// [`crate::tune::tune`] of `corpus` at each threshold of `grid` ([`crate::tune::grid`],
    /// the current `config.threshold` among them) against `labels` (one per document,
    /// `None` where not labelled; at least one labelled).
    ///
    /// # Errors
    /// As [`Run::partitions`].
    pub fn tune(
        &self,
        corpus: &Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
        labels: &[Option<&str>],
        grid: &[f64],
        metric: crate::tune::Metric,
    ) -> Result<crate::tune::Tuning, Error> {
        let partitions = self.partitions(corpus, score, config, grid)?;
        let tried: Vec<crate::tune::Tried> = grid.iter().copied().zip(partitions).collect();
        let setting = crate::tune::Setting {
            measure: score.measure,
            linkage: config.linkage,
            shingle: score.shingle,
            window_days: score.window_days,
            dated: corpus.docs.iter().any(|d| d.date.is_some()),
        };
        Ok(crate::tune::tune(
            labels,
            &tried,
            config.threshold,
            metric,
            setting,
        ))
    }

    /// The partitions [`Run::cluster`] gives at each of `thresholds`, every other setting
    /// as `config` says (clusters numbered as its report numbers them), for choosing a
    /// threshold on labelled stories (`tune`): the collection is weighed once, and each
    /// threshold's pairs are searched and judged as a run at that threshold would.
    ///
    /// # Errors
    /// As [`Run::cluster`], for the first threshold whose candidate engine cannot apply.
    pub fn partitions(
        &self,
        corpus: &Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
        thresholds: &[f64],
    ) -> Result<Vec<Vec<Vec<usize>>>, Error> {
        assert!(!corpus.texts_dropped, "clustering needs the texts");
        let (scorer, facts) = compared_features(corpus, score, self.progress);
        let rank = id_ranks(corpus);
        thresholds
            .iter()
            .map(|&threshold| {
                let config = ClusterConfig {
                    threshold,
                    ..config.clone()
                };
                // What each threshold's search warns of is said of that threshold.
                let progress = Prefixed {
                    inner: self.progress,
                    prefix: format!("at -t {threshold}: "),
                };
                let run = Run {
                    progress: &progress,
                    ..*self
                };
                let engine = plan(corpus, score, &config, &run)?;
                let edges = links::edges(&scorer, &engine, &config, &rank, &progress);
                Ok(groups_of(corpus, &scorer, &facts, &config, edges))
            })
            .collect()
    }

    /// The report of a clustering decided elsewhere (`groups`: every document in exactly
    /// one, each group's members in input order), described as [`Run::cluster`] describes
    /// its own; clusters are numbered 1, 2, ... in the order of `groups`.
    pub fn describe(
        &self,
        corpus: &Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
        groups: Vec<Vec<usize>>,
    ) -> ClusterReport {
        assert!(!corpus.texts_dropped, "describing clusters needs the texts");
        let (scorer, facts) = features(&corpus.docs, score.clone(), self.progress);
        self.progress
            .start(Stage::Clusters, Some(corpus.len() as u64));
        describe_groups(corpus, &scorer, &facts, config, groups, self)
    }

    /// Everything the HTML report shows ([`collection_view`]), with this run's candidate
    /// engine, progress and number of diffs.
    ///
    /// # Errors
    /// As [`Run::cluster`].
    pub fn collection_view<'a>(
        &self,
        corpus: &'a Corpus,
        score: &ScoreConfig,
        config: &ClusterConfig,
    ) -> Result<CollectionView<'a>, Error> {
        assert!(!corpus.texts_dropped, "the report shows the texts");
        let engine = plan(corpus, score, config, self)?;
        let (scorer, facts) = compared_features(corpus, score, self.progress);
        let clusters = cluster_scored(corpus, &scorer, &facts, config, &engine, self);
        let (histogram, heatmap) = explain::charts(&scorer, &clusters, self.progress);
        let diffs = explain::member_diffs(corpus, &scorer, &clusters, self.diffs, self.progress);
        Ok(CollectionView {
            clusters,
            histogram,
            heatmap,
            diffs,
        })
    }
}

/// Refuses, before anything is read, a candidate engine that cannot serve `config`: the
/// pairs a clustering needs reach down to its edge floor, below the threshold itself.
///
/// # Errors
/// [`Error::Setting`] as [`candidates::plan`] says.
pub fn check_engine(
    mode: Candidates,
    score: &ScoreConfig,
    config: &ClusterConfig,
) -> Result<(), Error> {
    candidates::plan(mode, score.measure, 0, links::floor(score, config)).map(|_| ())
}

/// [`check_engine`] at every threshold of a `tune` grid; the first that cannot be served
/// is returned with why.
///
/// # Errors
/// The threshold and the [`crate::error::SettingError`] of [`check_engine`].
pub fn check_grid(
    mode: Candidates,
    score: &ScoreConfig,
    config: &ClusterConfig,
    grid: &[f64],
) -> Result<(), (f64, Error)> {
    grid.iter().try_for_each(|&threshold| {
        let at = ClusterConfig {
            threshold,
            ..config.clone()
        };
        check_engine(mode, score, &at).map_err(|e| (threshold, e))
    })
}

/// Each document's place in id order ([`crate::cluster::ranks`]).
fn id_ranks(corpus: &Corpus) -> Vec<u32> {
    let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
    crate::cluster::ranks(&ids)
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
    let edges = links::edges(scorer, engine, config, &id_ranks(corpus), run.progress);
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
    // Counted in documents as each group is described (the merging before that is quick).
    run.progress
        .start(Stage::Clusters, Some(corpus.len() as u64));
    let groups = groups_of(corpus, scorer, facts, config, edges);
    describe_groups(corpus, scorer, facts, config, groups, run)
}

/// The partition of [`cluster_edges`], before it is described: every document in one
/// group, numbered by the clustering's rule.
fn groups_of(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    config: &ClusterConfig,
    edges: Vec<Edge>,
) -> Vec<Vec<usize>> {
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
    let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
    let dates: Vec<_> = corpus.docs.iter().map(|d| d.date).collect();
    // The window binds clusters as a whole for the story measure, not just pairs.
    let window = if story { score.window_days } else { 0 };
    let groups = cluster_dated(&ids, &dates, window, &edges, &internal);
    drop(edges);
    // Byte-identical articles belong together whatever their dates.
    join_identical(groups, &facts.identity, &ids)
}

/// The report of `groups` (every document in one), numbered 1, 2, ... in their order.
fn describe_groups(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    config: &ClusterConfig,
    groups: Vec<Vec<usize>>,
    run: &Run<'_>,
) -> ClusterReport {
    let progress = run.progress;
    let score = &scorer.config;
    // Shared terms read the members' texts again: through one set of caches for the run.
    let lexicon = run.shared_terms.then(Lexicon::new);
    let clusters = groups
        .into_par_iter()
        .enumerate()
        .map(|(i, members)| {
            let size = members.len() as u64;
            let c = explain::describe(corpus, scorer, facts, i + 1, members, lexicon.as_ref());
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

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
