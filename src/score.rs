//! Stage 6, score: the three measures over the features of a pair of documents.
//!
//! - `story`: the square root of the cosine of the salient-term vectors ([`crate::weigh`];
//!   see [`calibrate`]); zero when both
//!   documents are dated further apart than the window, and within it lowered by
//!   [`DECAY_PER_DAY`] for each day between them ([`SHORT_DECAY_PER_DAY`] for headlines);
//!   lowered by [`ACTOR_CONFLICT`] when neither report names the other's actors or their
//!   security codes differ (more for short dated texts with different codes), and by
//!   [`WEEKDAY_CONFLICT`] when their dates cannot tell and their heads name different days.
//! - `jaccard`: `|A ∩ B| / |A ∪ B|` of the shingle sets.
//! - `containment`: `|A ∩ B| / |A|`, the share of A found in B; symmetric outputs use the
//!   larger direction.
//!
//! Every score lies in [0, 1]; an empty document scores 0 with everything, itself included,
//! since there is nothing to compare.

use rayon::prelude::*;

use crate::config::{Measure, ScoreConfig};
use crate::document::{Date, Document};
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
/// decay. Measured (docs/tuning.md): UCI headlines ARI 0.750 at 0.06, 0.754 at 0.2, 0.806
/// at 0.4, 0.817 at 0.5; the article collections (fixtures, events3, gen20k) do not change,
/// since their texts are long.
pub const SHORT_DECAY_PER_DAY: f64 = 0.4;

/// The factor on the cosine of two reports about different actors: each names people,
/// organisations or places in its headline and lead (its actors, [`crate::weigh::Weights`])
/// and neither text mentions any of the other's. Two dividend notices of different companies,
/// two earthquakes in different places, two players arrested for the same offence share
/// their event words and differ in who. Measured leave one collection out
/// (docs/story-judgement.md): without it UCI headlines ARI 0.757, undated 0.694, SemEval
/// Pearson 0.821; at 0.5, 0.793, 0.745, 0.823; at 0.3, 0.792, 0.737, 0.820 (NeuS, ECB+ and
/// the Reuters templates within 0.01 throughout). 0.3 is kept for what 0.5 misses: notices
/// of named companies that differ in nothing else (`issue_13_notices_...` in the tests).
/// When both texts carry security codes, the codes decide instead, and for short dated
/// texts the factor is lower (`Scorer::codes_conflict`).
pub const ACTOR_CONFLICT: f64 = 0.3;

/// The factor on the cosine of two reports whose headlines and leads name weekdays, none
/// the same as or next to one of the other's, when their dates cannot tell (one or both
/// undated): news says when its event happened by the day of the week ("on Friday"), two
/// reports of one event name the same day or the next (the event and its announcement),
/// where two events of one kind, or one topic's reports of different weeks, name any day.
/// Counted on pairs whose heads both name a weekday: NeuS reports of one story name
/// disjoint days in 14% of pairs, three quarters of them next to each other; the different
/// stories our clustering had joined, in 69%, a third next to each other (ECB+: 25%, half
/// next, against 70%). A weekday is never an actor ([`ACTOR_CONFLICT`]): it says when, not
/// who. Measured (docs/story-judgement.md), with adjacent days apart and together: at 0.7,
/// NeuS ARI 0.590 -> 0.616 / 0.623, ECB+ 0.857 -> 0.871 / 0.870, SemEval Pearson 0.820 ->
/// 0.820 / 0.824; but on samples of 50-300 NeuS stories "together" lost 0.005-0.015 on
/// average. Apart at 0.8 loses nowhere by more than 0.006 on average (samples of 50 to
/// 1,000 stories, halves of ECB+ with and without dates) and gains 0.009 at 1,000 stories,
/// 0.023 on the whole of NeuS (0.612) and 0.014 on ECB+ (0.871); SemEval 0.821. UCI
/// headlines and the Reuters templates seldom name a weekday and do not move.
pub const WEEKDAY_CONFLICT: f64 = 0.8;

/// The days of a week mask (bit 0 Monday .. bit 6 Sunday) and the days either side of
/// each, round the week.
fn around(days: u8) -> u8 {
    let d = u16::from(days & 0x7f);
    let wide = d | d << 1 | d >> 1 | (d & 1) << 6 | (d >> 6) & 1;
    (wide & 0x7f) as u8
}

/// Texts of at most this many terms are short (headlines, briefs): their story cosines run
/// low, since two headlines of one story share a handful of terms.
pub const SHORT_TERMS: f64 = 12.0;
/// Texts of at least this many terms are articles; in between, a straight line.
pub const LONG_TERMS: f64 = 60.0;

/// Where a pair of texts of `terms` terms on average lies between short (0, up to
/// [`SHORT_TERMS`]) and long (1, from `long` terms on).
pub fn length_scale(terms: f64, long: f64) -> f64 {
    ((terms - SHORT_TERMS) / (long - SHORT_TERMS)).clamp(0.0, 1.0)
}

/// Two short texts dated within the window count `1 / SHORT_SHARE` times their cosine as
/// evidence for clustering: headlines of one story share a few names, and the date says
/// the rest. The weight falls in a straight line from [`SHORT_TERMS`] terms to 1 at
/// [`LONG_TERMS`]. It lifts a big story's average, where most pairs of headlines share
/// little. UCI headlines ARI (undated in brackets): at 0.1, 0.787 (0.738); at 0.2, 0.829
/// (0.761); at 0.35, 0.803 (0.711); at 0.5, 0.708 (0.632); NeuS, ECB+ and the templates
/// within 0.02 throughout.
pub const SHORT_SHARE: f64 = 0.2;
/// The weight of an undated pair's cosine as evidence for clustering. Without dates, two
/// reports of the same people or the same kind of event may be years apart (NeuS, ECB+,
/// Reuters templates), so the same cosine says less than it does of two reports of one
/// week. Measured (docs/story-judgement.md): 1.0 -> 0.75 raised NeuS ARI 0.47 -> 0.50 and the
/// templates' B-cubed F1 0.88 -> 0.90.
pub const UNDATED_WEIGHT: f64 = 0.75;

/// Without dates, texts of this many terms or more get no lower share of the threshold: a
/// headline and lead of 35 terms (NeuS) must stand on their cosine, while undated headlines
/// (UCI without its dates, 8 terms) still need the lower share. Measured
/// (docs/story-judgement.md): at 12 (none) undated UCI ARI 0.30, NeuS 0.50; at 16, 0.74 and
/// 0.49; at 20, 0.74 and 0.46; at 30, 0.74 and 0.38.
pub const UNDATED_LONG_TERMS: f64 = 16.0;

/// [`Scorer::evidence_weight`] of a pair, dated or not, of `terms` terms on average.
pub(crate) fn evidence_weight_of(dated: bool, terms: f64) -> f64 {
    let (long, weight) = if dated {
        (LONG_TERMS, 1.0)
    } else {
        (UNDATED_LONG_TERMS, UNDATED_WEIGHT)
    };
    weight / (SHORT_SHARE + (1.0 - SHORT_SHARE) * length_scale(terms, long))
}

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

/// The per-document features a measure needs.
#[derive(Debug, Clone)]
pub enum Features {
    /// Term vectors, for `story`.
    Story(Weights),
    /// Shingle sets, for `jaccard` and `containment`.
    Shingles(Vec<Shingles>),
}

/// What made a pair's story score lower than the root of its cosine, each factor 1 where
/// it did not apply ([`Scorer::lowering`]): what `diff` shows beside the score. The
/// factors are on the scale of the reported score: it is `before` times all three.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lowering {
    /// The score the words alone give (the root of the cosine).
    pub before: f64,
    /// Days between the two dates, when both are known and a window is set.
    pub days_apart: Option<u32>,
    /// Whether the dates are further apart than the window (the dates' factor is then 0).
    pub beyond_window: bool,
    /// The dates' factor: the decay within the window ([`DECAY_PER_DAY`], faster for short
    /// texts), 0 beyond it.
    pub dates: f64,
    /// The factor of [`ACTOR_CONFLICT`] when the two are about different actors (neither
    /// text names the other's, or their security codes differ; for short texts with
    /// different codes, lower: `Scorer::codes_conflict`).
    pub actors: f64,
    /// Whether both texts carry security codes, which then decide the actors' factor.
    pub codes: bool,
    /// The factor of [`WEEKDAY_CONFLICT`] when, the dates not telling, their heads name
    /// days apart.
    pub weekdays: f64,
    /// The weekdays each head names (bit 0 Monday .. bit 6 Sunday).
    pub days: [u8; 2],
}

impl Default for Lowering {
    fn default() -> Self {
        Lowering {
            before: 0.0,
            days_apart: None,
            beyond_window: false,
            dates: 1.0,
            actors: 1.0,
            codes: false,
            weekdays: 1.0,
            days: [0; 2],
        }
    }
}

impl Lowering {
    /// The product of the factors: the story score is `before` times this.
    pub fn factor(&self) -> f64 {
        self.dates * self.actors * self.weekdays
    }

    /// The names of the weekdays the left (0) or right (1) head names, Monday first.
    pub fn day_names(&self, side: usize) -> Vec<&'static str> {
        crate::weigh::WEEKDAYS
            .iter()
            .enumerate()
            .filter(|&(d, _)| self.days[side] & 1 << d != 0)
            .map(|(_, name)| *name)
            .collect()
    }

    /// One line for a reader: the score the words give and each factor that lowered it;
    /// `None` when none did, or when the words alone give 0.00 (nothing to lower).
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.dates < 1.0 {
            let apart = self.days_apart.unwrap_or(0);
            let days = if apart == 1 { "day" } else { "days" };
            parts.push(if self.beyond_window {
                format!("dated {apart} {days} apart, beyond the window ×0")
            } else {
                format!("dated {apart} {days} apart ×{:.2}", self.dates)
            });
        }
        if self.actors < 1.0 {
            parts.push(if self.codes {
                format!(
                    "about different companies (their codes differ) ×{:.2}",
                    self.actors
                )
            } else {
                format!(
                    "about different actors (neither names the other's) ×{:.2}",
                    self.actors
                )
            });
        }
        if self.weekdays < 1.0 {
            let names = |side| {
                let capital = |d: &str| d[..1].to_uppercase() + &d[1..];
                self.day_names(side)
                    .into_iter()
                    .map(capital)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            parts.push(format!(
                "they name days apart ({} / {}) ×{:.2}",
                names(0),
                names(1),
                self.weekdays
            ));
        }
        // Nothing lowers a score shown as 0.00: the words share nothing to lower.
        (!parts.is_empty() && self.before >= 0.005).then(|| {
            format!(
                "story score lowered from {:.2} (the words alone): {}",
                self.before,
                parts.join(" · ")
            )
        })
    }
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
    /// Computes the features of `docs` for the configured measure (parallel), each
    /// measure by its own stage alone: the reference the pipeline's one pass over the texts
    /// (features with text facts) is tested against.
    pub fn new(docs: &[Document], config: ScoreConfig) -> Scorer {
        let features = match config.measure {
            Measure::Story => Features::Story(weigh(docs)),
            Measure::Jaccard | Measure::Containment => {
                Features::Shingles(shingle(docs, config.shingle))
            }
        };
        let dates = docs.par_iter().map(|d| d.date).collect();
        Scorer {
            config,
            features,
            dates,
        }
    }

    /// A scorer from features computed elsewhere (the pipeline's one pass over the texts), with the documents'
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
        if !matches!(self.features, Features::Story(_)) {
            return DECAY_PER_DAY;
        }
        let f = length_scale(self.mean_terms(a, b), LONG_TERMS);
        SHORT_DECAY_PER_DAY + (DECAY_PER_DAY - SHORT_DECAY_PER_DAY) * f
    }

    /// The mean number of terms of two documents (story measure; 0 otherwise).
    pub fn mean_terms(&self, a: usize, b: usize) -> f64 {
        match &self.features {
            Features::Story(w) => {
                (w.vectors[a].terms.len() + w.vectors[b].terms.len()) as f64 / 2.0
            }
            Features::Shingles(_) => 0.0,
        }
    }

    /// The weight of the pair's cosine as evidence for average linkage (story measure):
    /// `1 / share`, where the share falls from 1 for articles to [`SHORT_SHARE`] for
    /// headlines, times [`UNDATED_WEIGHT`] unless both are dated (and a window is set).
    /// Without dates only headline-length texts get the lower share
    /// ([`UNDATED_LONG_TERMS`]). Reported scores are not weighted by it, with one
    /// exception: two dated texts whose security codes differ have their score divided by
    /// it (`Scorer::codes_conflict`), since their date cannot vouch for two companies.
    pub fn evidence_weight(&self, a: usize, b: usize) -> f64 {
        evidence_weight_of(self.dated(a, b), self.mean_terms(a, b))
    }

    /// Whether the pair is judged by its dates: both dated, and a window set.
    pub fn dated(&self, a: usize, b: usize) -> bool {
        self.config.window_days > 0 && self.days_apart(a, b).is_some()
    }

    /// Whether a pair of `i` with a text like itself would weigh more than its cosine as
    /// evidence ([`Scorer::evidence_weight`]): short texts, dated or of headline length.
    pub fn may_weigh_more(&self, i: usize) -> bool {
        let dated = self.config.window_days > 0 && self.dates[i].is_some();
        evidence_weight_of(dated, self.mean_terms(i, i)) > 1.0
    }

    /// [`ACTOR_CONFLICT`] when both documents have actors and `named()` (whether either
    /// text holds one of the other's) is false; 1 otherwise.
    fn actor_factor_of(&self, a: usize, b: usize, named: impl FnOnce() -> bool) -> f64 {
        let Features::Story(w) = &self.features else {
            return 1.0;
        };
        // Two codes name their companies exactly: they decide, whatever words the
        // names share.
        if let (Some(x), Some(y)) = (w.codes.get(a), w.codes.get(b))
            && !x.is_empty()
            && !y.is_empty()
        {
            let shared = x.iter().any(|t| y.binary_search(t).is_ok());
            return if shared {
                1.0
            } else {
                self.codes_conflict(a, b)
            };
        }
        let (Some(x), Some(y)) = (w.actors.get(a), w.actors.get(b)) else {
            return 1.0;
        };
        if x.is_empty() || y.is_empty() || named() {
            1.0
        } else {
            ACTOR_CONFLICT
        }
    }

    /// The factor on the cosine of a pair whose security codes differ: [`ACTOR_CONFLICT`],
    /// and for short dated texts also the lift their dates give them as evidence for
    /// clustering taken back ([`Scorer::evidence_weight`]), so that their cosine counts
    /// [`ACTOR_CONFLICT`] times there, as two dated articles' does. From ×0.3 for texts of
    /// [`LONG_TERMS`] terms or more down to ×0.06 for headlines (on the reported scale,
    /// its root: ×0.55 to ×0.24).
    ///
    /// Why: two headlines of one day count up to five times their cosine, since the date
    /// says what their few words cannot; it says nothing when their codes name different
    /// companies. A day's dividend notices, each of another company, share their formula
    /// and their date: with the lift, clusters of 13 to 22 notices of as many companies
    /// were nine of the Reuters archive's fifteen largest, and 467 of its documents sat in
    /// clusters naming three codes or more; without it, one of the fifteen (14 notices,
    /// bridged by notices without a code), and 236 documents. Codes only: two headlines
    /// whose names differ may still be about one company (an abbreviation, a product for its
    /// maker), and taking the lift back from every actor conflict lost UCI headlines 0.019
    /// ARI on average over samples of its stories (0.008 gained on the whole). The labelled
    /// collections do not move (UCI's headlines seldom carry codes, the others have no
    /// dates). Dated only: an undated headline keeps its lift in the share of headlines
    /// around it (`crate::links`), and taking it back here too would take it twice (the
    /// templates, undated, did not move either way).
    fn codes_conflict(&self, a: usize, b: usize) -> f64 {
        if self.dated(a, b) {
            ACTOR_CONFLICT / self.evidence_weight(a, b)
        } else {
            ACTOR_CONFLICT
        }
    }

    /// [`WEEKDAY_CONFLICT`] when the pair's dates do not decide (one or both undated, or no
    /// window) and both heads name weekdays, none of them the same or next to one of the
    /// other's; 1 otherwise.
    fn weekday_factor(&self, a: usize, b: usize, days_apart: Option<u32>) -> f64 {
        let Features::Story(w) = &self.features else {
            return 1.0;
        };
        if days_apart.is_some() && self.config.window_days > 0 {
            return 1.0;
        }
        match (w.days.get(a), w.days.get(b)) {
            (Some(&x), Some(&y)) if x != 0 && y != 0 && around(x) & y == 0 => WEEKDAY_CONFLICT,
            _ => 1.0,
        }
    }

    /// Whether either text holds one of the other's actors (story features).
    fn names_an_actor(&self, a: usize, b: usize) -> bool {
        let Features::Story(w) = &self.features else {
            return false;
        };
        let holds = |v: &crate::weigh::TermVector, t: &u32| {
            v.terms.binary_search_by_key(t, |e| e.0).is_ok()
        };
        w.actors[a].iter().any(|t| holds(&w.vectors[b], t))
            || w.actors[b].iter().any(|t| holds(&w.vectors[a], t))
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
        self.finish_knowing(a, b, raw, || self.names_an_actor(a, b))
    }

    /// [`Scorer::finish`] for a pair already known to share an actor of either document
    /// (`named`) or not, as a walk over every shared term learns.
    pub fn finish_named(&self, a: usize, b: usize, raw: f64, named: bool) -> Detail {
        self.finish_knowing(a, b, raw, || named)
    }

    fn finish_knowing(&self, a: usize, b: usize, raw: f64, named: impl FnOnce() -> bool) -> Detail {
        let days_apart = self.days_apart(a, b);
        match &self.features {
            Features::Story(_) => {
                let score = if self.outside_window(a, b) {
                    0.0
                } else {
                    let [dates, actors, days] = self.story_factors(a, b, days_apart, named);
                    calibrate((raw * dates * actors * days).clamp(0.0, 1.0))
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
    /// calibrated raw cosine, since the date decay and the actor factor only lower it (a
    /// product with a factor in [0, 1] never rounds above the other factor, and the clamp
    /// and root are monotonic).
    /// Copy measures give no such bound here.
    pub fn may_reach(&self, raw: f64, min_score: f64) -> bool {
        match &self.features {
            Features::Story(_) => calibrate(raw.clamp(0.0, 1.0)) >= min_score,
            Features::Shingles(_) => true,
        }
    }

    /// The factors on a pair's cosine inside the window: the dates' decay, the actors'
    /// conflict (`named`: whether either text names one of the other's actors) and the
    /// weekdays' conflict.
    fn story_factors(
        &self,
        a: usize,
        b: usize,
        days_apart: Option<u32>,
        named: impl FnOnce() -> bool,
    ) -> [f64; 3] {
        [
            self.decay(a, b, days_apart),
            self.actor_factor_of(a, b, named),
            self.weekday_factor(a, b, days_apart),
        ]
    }

    /// What lowered the pair's story score below the root of its cosine (all factors 1 for
    /// the copy measures).
    pub fn lowering(&self, a: usize, b: usize) -> Lowering {
        let Features::Story(w) = &self.features else {
            return Lowering::default();
        };
        let days_apart = self.days_apart(a, b);
        let beyond_window = self.outside_window(a, b);
        // Each factor scales the cosine; on the reported scale, its root.
        let root = |f: f64| f.max(0.0).sqrt();
        let [dates, actors, weekdays] =
            self.story_factors(a, b, days_apart, || self.names_an_actor(a, b));
        Lowering {
            before: calibrate(w.vectors[a].cosine(&w.vectors[b]).clamp(0.0, 1.0)),
            days_apart: days_apart.filter(|_| self.config.window_days > 0),
            beyond_window,
            dates: if beyond_window { 0.0 } else { root(dates) },
            actors: root(actors),
            codes: [a, b]
                .iter()
                .all(|&i| w.codes.get(i).is_some_and(|c| !c.is_empty())),
            weekdays: root(weekdays),
            days: [a, b].map(|i| w.days.get(i).copied().unwrap_or(0)),
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

    /// A dividend notice of one company, of another, and a follow-up that names the first.
    fn notices() -> Vec<Document> {
        let mut docs = vec![
            Document::new(
                "a",
                "The board of Harlow Mining said on Monday that it will pay a quarterly \
                 dividend of 12 cents a share. Holders of record on March 3 will be paid.",
            ),
            Document::new(
                "b",
                "The board of Pexton Foods said on Monday that it will pay a quarterly \
                 dividend of 12 cents a share. Holders of record on March 3 will be paid.",
            ),
            Document::new(
                "c",
                "Shares rose after the quarterly dividend of 12 cents a share that the board \
                 of Harlow Mining declared on Monday. Holders of record on March 3 will be paid.",
            ),
        ];
        // Unrelated reports, so that the companies are rare names of a collection.
        for (i, t) in [
            "Rain fell on the farms of the valley for a third day.",
            "The council voted to repair the old stone bridge before winter.",
            "A new library opened in the town square with a reading garden.",
        ]
        .iter()
        .enumerate()
        {
            docs.push(Document::new(format!("x{i}"), *t));
        }
        docs
    }

    #[test]
    fn issue_13_a_sites_wall_is_not_part_of_its_story() {
        // Two pages of one site behind its wall (0, 1), the same headlines without it
        // (2, 3), the ferry's full report (4), a page that only mentions subscribers (5),
        // and a report of four sentences under the ferry's headline with the wall above it
        // and without (6, 7).
        let wall = "You have reached the limit of free access to our journalism this month.\n\
                    Subscribers, click below to log in or register your subscription to keep \
                    reading the Tamsin Ledger.";
        let ferry = "Calloway ferry runs aground off Brenn Point";
        let report = "Tugs from Merrow pulled the ferry free at dawn. Divers found a gash in \
                      the hull. Harbour master Ines Calder closed the channel. Passengers \
                      were taken to Oskerville by bus.";
        let wheat = "Wheat growers in Oskerville count hail losses";
        let mut docs: Vec<Document> = [
            format!("{ferry}\n{wall}"),
            format!("{wheat}\n{wall}"),
            ferry.to_owned(),
            wheat.to_owned(),
            "The Calloway ferry ran aground off Brenn Point on Tuesday with 140 passengers \
             aboard. Captain Orla Brenn said nobody was hurt and the ferry was refloated at \
             high tide."
                .to_owned(),
            "The Tamsin Ledger gained four thousand subscribers after its hail coverage."
                .to_owned(),
            format!("{ferry}\n{wall}\n{report}"),
            format!("{ferry}\n{report}"),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, t)| Document::new(format!("d{i}"), t))
        .collect();
        for d in &mut docs {
            let head = d.text.lines().next().unwrap().to_owned();
            d.text = d.text[head.len()..].trim_start().to_owned();
            d.title = Some(head);
        }
        // A page whose text repeats its headline and runs it into the wall (8).
        let mut glued = Document::new("d8", format!("{ferry} {wall}"));
        glued.title = Some(ferry.to_owned());
        docs.push(glued);
        let s = Scorer::new(&docs, ScoreConfig::default());
        // The story measure reads each walled page as its headline alone.
        assert!(
            (s.score(0, 1) - s.score(2, 3)).abs() < 1e-12,
            "{}",
            s.score(0, 1)
        );
        assert!(s.score(0, 1) < 0.1);
        assert!((s.score(0, 4) - s.score(2, 4)).abs() < 1e-12);
        assert!(s.score(0, 4) > 0.45);
        // The headline the wall took from the text is read from the title.
        assert!(
            (s.score(8, 4) - s.score(2, 4)).abs() < 1e-6,
            "{}",
            s.score(8, 4)
        );
        // A wall above the report takes nothing from it, its lead weight included.
        assert!(s.score(6, 7) > 1.0 - 1e-6, "{}", s.score(6, 7));
        assert!((s.score(6, 4) - s.score(7, 4)).abs() < 1e-6);
        // One cue without a wall is news: the Ledger's subscribers stay in its text.
        assert!(s.score(1, 5) > 0.0);
        // The copy measures still count the wall's words.
        let j = Scorer::new(
            &docs,
            ScoreConfig {
                measure: Measure::Jaccard,
                ..ScoreConfig::default()
            },
        );
        assert!(j.score(0, 1) > 0.5, "{}", j.score(0, 1));
    }

    #[test]
    fn issue_13_reports_about_different_actors_score_lower() {
        let docs = notices();
        let s = Scorer::new(&docs, ScoreConfig::default());
        let Features::Story(w) = &s.features else {
            panic!("story features")
        };
        let cosine = |a: usize, b: usize| w.vectors[a].cosine(&w.vectors[b]);
        // Harlow Mining and Pexton Foods: the same words, a different company.
        assert!(!w.actors[0].is_empty() && !w.actors[1].is_empty());
        let ab = s.detail(0, 1).score;
        assert!(
            (ab * ab - ACTOR_CONFLICT * cosine(0, 1)).abs() < 1e-6,
            "{ab}"
        );
        // The follow-up names Harlow Mining: no conflict, the plain cosine.
        let ac = s.detail(0, 2).score;
        assert!((ac * ac - cosine(0, 2)).abs() < 1e-6, "{ac}");
        assert!(ac > ab);
    }

    #[test]
    fn issue_13_short_texts_with_different_codes_lose_their_lift() {
        let notice = |id: &str, head: &str, cents: u32| {
            let mut d = Document::new(id, format!("Qtly div {cents} cts, pay April 1."));
            d.title = Some(head.to_owned());
            d
        };
        let mut docs = vec![
            notice("a", "HARLOW MINING INC <HRLM> SETS QUARTERLY DIVIDEND", 10),
            notice("b", "PEXTON FOODS INC <PXF> SETS QUARTERLY DIVIDEND", 12),
            notice("c", "HARLOW MINING INC <HRLM> QTLY DIVIDEND", 10),
        ];
        let undated = Scorer::new(&docs, ScoreConfig::default());
        for d in &mut docs {
            d.date = Date::parse("1987-03-02");
        }
        let dated = Scorer::new(&docs, ScoreConfig::default());
        let Features::Story(w) = &dated.features else {
            panic!("story features")
        };
        let cosine = w.vectors[0].cosine(&w.vectors[1]);
        // Dated headlines weigh several times their cosine; with different codes their
        // cosine is lowered so that it weighs as the conflict alone allows.
        let lift = dated.evidence_weight(0, 1);
        assert!(lift > 2.0, "{lift}");
        let ab = dated.score(0, 1);
        assert!(
            (ab * ab * lift - ACTOR_CONFLICT * cosine).abs() < 1e-6,
            "{ab}"
        );
        let l = dated.lowering(0, 1);
        assert!((l.actors - (ACTOR_CONFLICT / lift).sqrt()).abs() < 1e-9);
        assert!(l.codes);
        let line = l.describe().expect("lowered");
        assert!(
            line.contains("about different companies (their codes differ) ×0."),
            "{line}"
        );
        // Without dates, the plain conflict: the lift of undated headlines is judged by
        // the headlines around them when clustering.
        assert!(undated.evidence_weight(0, 1) > 1.0);
        let u = undated.score(0, 1);
        assert!((u * u - ACTOR_CONFLICT * cosine).abs() < 1e-6, "{u}");
        assert!(undated.lowering(0, 1).codes);
        // The same code: no conflict, the plain cosine, dated or not.
        let ac = dated.score(0, 2);
        assert!((ac * ac - w.vectors[0].cosine(&w.vectors[2])).abs() < 1e-6);
        assert!((undated.score(0, 2) - ac).abs() < 1e-12);
    }

    #[test]
    fn a_score_of_zero_is_not_said_to_be_lowered() {
        let conflict = Lowering {
            before: 0.3,
            actors: ACTOR_CONFLICT.sqrt(),
            ..Lowering::default()
        };
        assert!(conflict.describe().is_some());
        for before in [0.0, 0.004] {
            let nothing = Lowering { before, ..conflict };
            assert_eq!(nothing.describe(), None);
        }
    }

    #[test]
    fn the_lowering_accounts_for_the_story_score() {
        let mut docs = notices();
        docs[0].text = format!("{} The notice came on Monday.", docs[0].text);
        docs[2].text = format!("{} Shares moved on Thursday.", docs[2].text);
        let s = Scorer::new(&docs, ScoreConfig::default());
        let Features::Story(w) = &s.features else {
            panic!("story features")
        };
        for (a, b) in [(0, 1), (0, 2), (1, 2), (0, 3)] {
            let l = s.lowering(a, b);
            let cosine = w.vectors[a].cosine(&w.vectors[b]);
            assert!((l.before - calibrate(cosine)).abs() < 1e-9);
            assert!(
                (s.score(a, b) - l.before * l.factor()).abs() < 1e-6,
                "{a} {b}"
            );
        }
        // Harlow Mining and Pexton Foods: different actors, said so.
        let l = s.lowering(0, 1);
        assert!((l.actors - ACTOR_CONFLICT.sqrt()).abs() < 1e-12);
        assert!(l.describe().unwrap().contains("different actors"));
        // Both name Monday (one Thursday too): no conflict of days.
        assert_eq!(s.lowering(0, 2).days[1].count_ones(), 2);
        assert_eq!(s.lowering(0, 2).weekdays, 1.0);
        let dated = {
            let mut d = docs.clone();
            d[0].date = Date::parse("2025-10-01");
            d[2].date = Date::parse("2025-10-03");
            Scorer::new(&d, ScoreConfig::default())
        };
        let l = dated.lowering(0, 2);
        assert_eq!(l.days_apart, Some(2));
        assert!(!l.beyond_window);
        assert!((l.dates - (1.0 - 2.0 * dated.decay_per_day(0, 2)).sqrt()).abs() < 1e-12);
        assert!(l.describe().unwrap().contains("dated 2 days apart ×"));
        // Beyond the window, said so; one day apart, in the singular.
        let dated = |days: &str| {
            let mut d = docs.clone();
            d[0].date = Date::parse("2025-10-01");
            d[2].date = Date::parse(days);
            Scorer::new(&d, ScoreConfig::default())
        };
        let far = dated("2025-10-09").lowering(0, 2);
        assert!(far.beyond_window && far.dates == 0.0);
        assert!(
            far.describe()
                .unwrap()
                .contains("8 days apart, beyond the window")
        );
        let next = dated("2025-10-02").lowering(0, 2).describe().unwrap();
        assert!(next.contains("dated 1 day apart ×"), "{next}");
        assert_eq!(Lowering::default().describe(), None);
    }

    #[test]
    fn days_around_wrap_round_the_week() {
        let bits = |days: &[u8]| days.iter().fold(0u8, |m, d| m | 1 << d);
        assert_eq!(around(bits(&[0])), bits(&[6, 0, 1]));
        assert_eq!(around(bits(&[6])), bits(&[5, 6, 0]));
        assert_eq!(around(bits(&[2, 4])), bits(&[1, 2, 3, 4, 5]));
        assert_eq!(around(0), 0);
    }

    #[test]
    fn issue_13_undated_reports_naming_different_days_score_lower() {
        let text = |day: &str| {
            format!(
                "Fire crews fought a blaze at the Calder grain mill on {day} night. The roof \
                 fell in before dawn. Nobody was hurt."
            )
        };
        let mut docs = vec![
            Document::new("tue", text("Tuesday")),
            Document::new("sat", text("Saturday")),
            Document::new("tue2", text("Tuesday")),
            Document::new("none", text("the same")),
            Document::new("wed", text("Wednesday")),
        ];
        let s = Scorer::new(&docs, ScoreConfig::default());
        let Features::Story(w) = &s.features else {
            panic!("story features")
        };
        let cosine = |a: usize, b: usize| w.vectors[a].cosine(&w.vectors[b]);
        let squared = |a: usize, b: usize| s.detail(a, b).score.powi(2);
        // Days apart: lowered; the same day, the next, or a day against none: the cosine.
        assert!((squared(0, 1) - WEEKDAY_CONFLICT * cosine(0, 1)).abs() < 1e-6);
        assert!((squared(0, 2) - cosine(0, 2)).abs() < 1e-6);
        assert!((squared(1, 3) - cosine(1, 3)).abs() < 1e-6);
        assert!((squared(0, 4) - cosine(0, 4)).abs() < 1e-6);
        assert!((squared(1, 4) - WEEKDAY_CONFLICT * cosine(1, 4)).abs() < 1e-6);
        // Dated within the window, the dates decide and the days say nothing more.
        for d in docs.iter_mut().take(2) {
            d.date = Date::parse("2025-10-01");
        }
        let dated = Scorer::new(&docs, ScoreConfig::default());
        let Features::Story(w) = &dated.features else {
            panic!("story features")
        };
        let cos = w.vectors[0].cosine(&w.vectors[1]);
        assert!((dated.detail(0, 1).score.powi(2) - cos).abs() < 1e-6);
    }

    #[test]
    fn issue_13_evidence_weighs_dates_and_length() {
        let headline = "Harlow Mining raises its dividend";
        // Eighty distinct invented words: an article's worth of terms.
        let article: String = (0..80u8)
            .map(|i| format!("qu{}{}x ", (b'a' + i / 26) as char, (b'a' + i % 26) as char))
            .collect();
        let mut docs: Vec<Document> = [headline, headline, &article, &article, headline]
            .iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("d{i}"), *t))
            .collect();
        for d in docs.iter_mut().take(4) {
            d.date = Date::parse("2025-10-01");
        }
        let s = Scorer::new(&docs, ScoreConfig::default());
        // Two dated headlines need a fifth of the threshold; two dated articles all of it.
        assert!((s.evidence_weight(0, 1) - 1.0 / SHORT_SHARE).abs() < 1e-9);
        assert!((s.evidence_weight(2, 3) - 1.0).abs() < 1e-9);
        // Without a date on both sides, the same cosine counts less.
        assert!((s.evidence_weight(0, 4) - UNDATED_WEIGHT / SHORT_SHARE).abs() < 1e-9);
        // Without a window, dates count for nothing.
        let off = Scorer::new(
            &docs,
            ScoreConfig {
                window_days: 0,
                ..ScoreConfig::default()
            },
        );
        assert!((off.evidence_weight(2, 3) - UNDATED_WEIGHT).abs() < 1e-9);
    }
}
