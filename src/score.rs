//! Stage 6, score: the three measures over the features of a pair of documents.
//!
//! - `story`: the square root of the cosine of the salient-term vectors ([`crate::weigh`];
//!   see [`calibrate`]); zero when both
//!   documents are dated further apart than the window, and within it lowered by
//!   [`DECAY_PER_DAY`] for each day between them ([`SHORT_DECAY_PER_DAY`] for headlines).
//! - `jaccard`: `|A ∩ B| / |A ∪ B|` of the shingle sets.
//! - `containment`: `|A ∩ B| / |A|`, the share of A found in B; symmetric outputs use the
//!   larger direction.
//!
//! Every score lies in [0, 1]; an empty document scores 0 with everything, itself included,
//! since there is nothing to compare.

use rayon::prelude::*;

use crate::cluster::{LONG_TERMS, SHORT_TERMS};
use crate::config::{Measure, ScoreConfig};
use crate::document::{Date, Document};
use crate::progress::{Progress, Silent, Stage};
use crate::shingle::{Shingles, shingle};
use crate::weigh::{Weights, weigh};

/// Share of a story score lost per day between two dated reports (within the window; the
/// window itself stays the hard limit). Measured: on the fixtures with `--window 30`, ARI
/// 0.821 without decay, 0.885 at 0.03, 1.000 at 0.06; generated 20k collection 0.973 ->
/// 0.976; UCI headlines 0.703 -> 0.708.
pub const DECAY_PER_DAY: f64 = 0.06;
/// The decay of short texts (headlines, briefs): 40% per day. A headline holds a dozen terms,
/// mostly the names of who it is about, so two headlines about one company or one game on
/// different days match as well as two on the same day; the date has to tell the follow-up
/// from the story. Full articles share the specific facts of their event and keep the mild
/// decay. Measured (README, "Defaults"): UCI headlines ARI 0.750 at 0.06, 0.754 at 0.2, 0.806
/// at 0.4, 0.817 at 0.5; the article collections (fixtures, events3, gen20k) do not change,
/// since their texts are long.
pub const SHORT_DECAY_PER_DAY: f64 = 0.4;

/// The story score of a cosine: its square root. Human "same story?" judgements grow with
/// the cosine but not linearly (two reports sharing half their salient weight read as
/// clearly one story), and the root follows them better: on 161 judged news pairs Pearson
/// rises from 0.783 (cosine) to 0.820, the rank order being the same. Clustering works on
/// the cosine itself ([`cosine_of`]), where centroid sums hold.
pub fn calibrate(cosine: f64) -> f64 {
    cosine.max(0.0).sqrt()
}

/// The cosine behind a story score (the inverse of [`calibrate`]).
pub fn cosine_of(score: f64) -> f64 {
    score * score
}

/// Documents shingled between two progress reports.
const PROGRESS_BLOCK: usize = 1024;

/// The per-document features a measure needs.
#[derive(Debug, Clone)]
pub enum Features {
    /// Term vectors, for `story`.
    Story(Weights),
    /// Shingle sets, for `jaccard` and `containment`.
    Shingles(Vec<Shingles>),
}

/// Scores pairs of documents of one collection.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// The settings.
    pub config: ScoreConfig,
    /// The features of every document, in input order.
    pub features: Features,
    /// Publication dates, in input order.
    pub dates: Vec<Option<Date>>,
}

/// The parts of one pair's score that a user may want to see.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detail {
    /// The symmetric score.
    pub score: f64,
    /// Share of a's shingles in b (copy measures).
    pub a_in_b: f64,
    /// Share of b's shingles in a (copy measures).
    pub b_in_a: f64,
    /// Shingles in common (copy measures).
    pub shared: u32,
    /// Days between the two dates, when both are known.
    pub days_apart: Option<u32>,
}

impl Scorer {
    /// Computes the features of `docs` for the configured measure (parallel).
    pub fn new(docs: &[Document], config: ScoreConfig) -> Scorer {
        Scorer::new_with(docs, config, &Silent)
    }

    /// [`Scorer::new`], counting documents done on `progress` ([`Stage::Signatures`]).
    pub fn new_with(docs: &[Document], config: ScoreConfig, progress: &dyn Progress) -> Scorer {
        progress.start(Stage::Signatures, Some(docs.len() as u64));
        let features = match config.measure {
            Measure::Story => {
                let w = weigh(docs);
                progress.advance(docs.len() as u64);
                Features::Story(w)
            }
            Measure::Jaccard | Measure::Containment => {
                // In blocks, so progress moves while the order of the output is kept.
                let blocks: Vec<Vec<Shingles>> = docs
                    .par_chunks(PROGRESS_BLOCK)
                    .map(|block| {
                        let sets = shingle(block, config.shingle);
                        progress.advance(block.len() as u64);
                        sets
                    })
                    .collect();
                Features::Shingles(blocks.into_iter().flatten().collect())
            }
        };
        progress.finish();
        let dates = docs.par_iter().map(|d| d.date).collect();
        Scorer {
            config,
            features,
            dates,
        }
    }

    /// A scorer from features computed elsewhere ([`crate::facts`]), with the documents'
    /// dates in input order.
    pub fn from_features(
        config: ScoreConfig,
        features: Features,
        dates: Vec<Option<Date>>,
    ) -> Scorer {
        Scorer {
            config,
            features,
            dates,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// Days between two documents, when both are dated.
    pub fn days_apart(&self, a: usize, b: usize) -> Option<u32> {
        Some(self.dates[a]?.days_apart(self.dates[b]?))
    }

    /// The soft date decay of the story measure: a pair inside the window loses
    /// [`DECAY_PER_DAY`] of its score per day apart; none without dates or window.
    fn decay(&self, a: usize, b: usize, days_apart: Option<u32>) -> f64 {
        match days_apart {
            Some(d) if self.config.window_days > 0 => {
                (1.0 - self.decay_per_day(a, b) * f64::from(d)).max(0.0)
            }
            _ => 1.0,
        }
    }

    /// The decay rate of a pair: [`DECAY_PER_DAY`] for articles, rising to
    /// [`SHORT_DECAY_PER_DAY`] for short texts, on the same length scale as the clustering
    /// threshold ([`SHORT_TERMS`] .. [`LONG_TERMS`] terms on average).
    fn decay_per_day(&self, a: usize, b: usize) -> f64 {
        let Features::Story(w) = &self.features else {
            return DECAY_PER_DAY;
        };
        let len = (w.vectors[a].terms.len() + w.vectors[b].terms.len()) as f64 / 2.0;
        let f = ((len - SHORT_TERMS) / (LONG_TERMS - SHORT_TERMS)).clamp(0.0, 1.0);
        SHORT_DECAY_PER_DAY + (DECAY_PER_DAY - SHORT_DECAY_PER_DAY) * f
    }

    /// True when the date window forbids linking the pair (story measure only).
    pub fn outside_window(&self, a: usize, b: usize) -> bool {
        self.config.measure == Measure::Story
            && self.config.window_days > 0
            && self
                .days_apart(a, b)
                .is_some_and(|d| d > self.config.window_days)
    }

    /// Turns a raw overlap into the pair's detail: `raw` is the dot product (story) or the
    /// number of shared shingles (copy measures), as the candidate stage computes it.
    pub fn finish(&self, a: usize, b: usize, raw: f64) -> Detail {
        let days_apart = self.days_apart(a, b);
        match &self.features {
            Features::Story(_) => {
                let score = if self.outside_window(a, b) {
                    0.0
                } else {
                    calibrate((raw * self.decay(a, b, days_apart)).clamp(0.0, 1.0))
                };
                Detail {
                    score,
                    days_apart,
                    ..Detail::default()
                }
            }
            Features::Shingles(sets) => {
                let (na, nb) = (sets[a].len() as f64, sets[b].len() as f64);
                let shared = raw;
                let ratio = |num: f64, den: f64| {
                    if den > 0.0 {
                        (num / den).clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                };
                let a_in_b = ratio(shared, na);
                let b_in_a = ratio(shared, nb);
                let jaccard = ratio(shared, na + nb - shared);
                let score = match self.config.measure {
                    Measure::Containment => a_in_b.max(b_in_a),
                    _ => jaccard,
                };
                Detail {
                    score,
                    a_in_b,
                    b_in_a,
                    shared: shared as u32,
                    days_apart,
                }
            }
        }
    }

    /// Whether a pair whose raw overlap (as for [`Scorer::finish`]) is `raw` may score
    /// `min_score > 0` or more. False only when it cannot: a story score is at most the
    /// calibrated raw cosine, since the date decay only lowers it (a product with a factor
    /// in [0, 1] never rounds above the other factor, and the clamp and root are monotonic).
    /// Copy measures give no such bound here.
    pub fn may_reach(&self, raw: f64, min_score: f64) -> bool {
        match &self.features {
            Features::Story(_) => calibrate(raw.clamp(0.0, 1.0)) >= min_score,
            Features::Shingles(_) => true,
        }
    }

    /// Scores one pair directly (the reference the fast candidate stage is tested against).
    pub fn detail(&self, a: usize, b: usize) -> Detail {
        let raw = match &self.features {
            Features::Story(w) => w.vectors[a].cosine(&w.vectors[b]),
            Features::Shingles(sets) => intersection(&sets[a], &sets[b]) as f64,
        };
        self.finish(a, b, raw)
    }

    /// The symmetric score of a pair.
    pub fn score(&self, a: usize, b: usize) -> f64 {
        self.detail(a, b).score
    }

    /// The directional score shown in a dense matrix at row `a`, column `b`: for
    /// `containment` the share of `a` found in `b`, otherwise the symmetric score.
    pub fn directional(&self, a: usize, b: usize) -> f64 {
        self.directional_of(&self.detail(a, b))
    }

    /// The directional value of a pair's detail (see [`Scorer::directional`]).
    pub fn directional_of(&self, d: &Detail) -> f64 {
        match self.config.measure {
            Measure::Containment => d.a_in_b,
            _ => d.score,
        }
    }

    /// True when the document has any feature at all (an empty text has none).
    pub fn has_features(&self, i: usize) -> bool {
        match &self.features {
            Features::Story(w) => !w.vectors[i].terms.is_empty(),
            Features::Shingles(s) => !s[i].is_empty(),
        }
    }
}

/// Size of the intersection of two sorted sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    // Without branches on the comparison: on hash sets its outcome is a coin toss, which
    // a branch predictor cannot learn.
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ShingleKind;

    proptest::proptest! {
        /// The branch-free merge counts what a set intersection counts.
        #[test]
        fn intersection_counts_common_values(
            a in proptest::collection::btree_set(0u64..400, 0..200),
            b in proptest::collection::btree_set(0u64..400, 0..200),
        ) {
            let (va, vb): (Vec<u64>, Vec<u64>) = (a.iter().copied().collect(), b.iter().copied().collect());
            proptest::prop_assert_eq!(intersection(&va, &vb), a.intersection(&b).count());
        }
    }

    fn scorer(texts: &[&str], measure: Measure) -> Scorer {
        let docs: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("d{i}"), *t))
            .collect();
        Scorer::new(
            &docs,
            ScoreConfig {
                measure,
                shingle: ShingleKind::Word(2),
                window_days: 3,
            },
        )
    }

    #[test]
    fn jaccard_and_containment_by_hand() {
        // a: {ab, bc, cd}; b: {ab, bc, cd, de, ef}
        let s = scorer(&["a b c d", "a b c d e f"], Measure::Containment);
        let d = s.detail(0, 1);
        assert_eq!(d.shared, 3);
        assert!((d.a_in_b - 1.0).abs() < 1e-12);
        assert!((d.b_in_a - 0.6).abs() < 1e-12);
        assert!((d.score - 1.0).abs() < 1e-12);
        assert!((s.directional(1, 0) - 0.6).abs() < 1e-12);
        let j = scorer(&["a b c d", "a b c d e f"], Measure::Jaccard);
        assert!((j.score(0, 1) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn empty_documents_score_zero() {
        let s = scorer(&["", ""], Measure::Jaccard);
        assert_eq!(s.score(0, 1), 0.0);
        assert!(!s.has_features(0));
    }

    #[test]
    fn headlines_decay_faster_than_articles() {
        let headline = "Mayor Ines Calder closes Harbor Bridge";
        let article = (0..40)
            .map(|i| format!("Inspector{i} found crack{i} in girder{i} of Harbor Bridge."))
            .collect::<Vec<_>>()
            .join(" ");
        let ratio = |text: &str| {
            let mut docs = vec![Document::new("a", text), Document::new("b", text)];
            docs[0].date = Date::parse("2025-10-01");
            docs[1].date = Date::parse("2025-10-02");
            let s = Scorer::new(&docs, ScoreConfig::default());
            cosine_of(s.score(0, 1))
        };
        // Identical texts one day apart: the cosine 1 keeps 1 - rate.
        assert!((ratio(headline) - (1.0 - SHORT_DECAY_PER_DAY)).abs() < 1e-6);
        assert!((ratio(&article) - (1.0 - DECAY_PER_DAY)).abs() < 1e-6);
    }

    #[test]
    fn the_window_unlinks_distant_dates() {
        let mut docs = vec![
            Document::new("a", "Mayor Ines Calder closed Harbor Bridge"),
            Document::new("b", "Mayor Ines Calder closed Harbor Bridge"),
        ];
        docs[0].date = Date::parse("2025-10-01");
        docs[1].date = Date::parse("2025-10-09");
        let s = Scorer::new(&docs, ScoreConfig::default());
        assert_eq!(s.score(0, 1), 0.0);
        assert_eq!(s.detail(0, 1).days_apart, Some(8));
        let s = Scorer::new(
            &docs,
            ScoreConfig {
                window_days: 0,
                ..ScoreConfig::default()
            },
        );
        assert!((s.score(0, 1) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn no_pair_the_bound_rules_out_reaches_the_floor() {
        let texts = [
            "Mayor Ines Calder closes Harbor Bridge",
            "Mayor Ines Calder closed the Harbor Bridge after inspectors found cracks in two \
             steel girders, and the ferries ran extra crossings through the week.",
        ];
        let mut docs: Vec<Document> = (0..6)
            .map(|i| Document::new(format!("d{i}"), texts[i % 2]))
            .collect();
        for (i, d) in docs.iter_mut().enumerate().skip(1) {
            d.date = Date::parse(&format!("2025-10-{:02}", i));
        }
        let s = Scorer::new(&docs, ScoreConfig::default());
        let mut ruled_out = 0;
        for a in 0..docs.len() {
            for b in a + 1..docs.len() {
                for r in 0..=120 {
                    let raw = f64::from(r) / 100.0;
                    for m in 1..=20 {
                        let min = f64::from(m) / 20.0;
                        if !s.may_reach(raw, min) {
                            ruled_out += 1;
                            assert!(s.finish(a, b, raw).score < min, "{a} {b} {raw} {min}");
                        }
                    }
                }
            }
        }
        assert!(ruled_out > 0);
    }
}
