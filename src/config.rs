//! Validated settings for each stage, with defaults. The binary turns what the user typed
//! into these once, at the boundary; the library trusts them afterwards.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, SettingError};

/// How documents are cut into shingles for the copy measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShingleKind {
    /// Runs of K consecutive normalised words.
    Word(usize),
    /// Runs of K characters of the normalised text.
    Char(usize),
}

impl Default for ShingleKind {
    fn default() -> Self {
        ShingleKind::Word(5)
    }
}

impl FromStr for ShingleKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::Setting(SettingError::Shingle(s.to_owned()));
        let (kind, k) = s.split_once(':').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        if !(1..=64).contains(&k) {
            return Err(bad());
        }
        match kind.trim() {
            "word" => Ok(ShingleKind::Word(k)),
            "char" => Ok(ShingleKind::Char(k)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ShingleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShingleKind::Word(k) => write!(f, "word:{k}"),
            ShingleKind::Char(k) => write!(f, "char:{k}"),
        }
    }
}

/// Which similarity measure scores a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Measure {
    /// Same event in different words: weighted cosine over salient terms.
    #[default]
    Story,
    /// Jaccard similarity of shingle sets.
    Jaccard,
    /// Share of one document's shingles found in the other.
    Containment,
}

impl Measure {
    /// The default clustering threshold of this measure, chosen by measurement (see the
    /// docs/tuning.md for the sweep behind each value).
    pub fn default_threshold(self) -> f64 {
        match self {
            // The calibrated score of a cosine of 0.2025 (see `score::calibrate`), chosen
            // leave one collection out on real collections (docs/story-judgement.md).
            Measure::Story => 0.45,
            Measure::Jaccard => 0.50,
            Measure::Containment => 0.80,
        }
    }

    /// The default linkage: `average` for stories (a merge needs the support of the cross
    /// pairs on average; `centroid` let a growing group's summed vector pull in every
    /// report of the same topic: NeuS ARI 0.06 against 0.50, docs/story-judgement.md);
    /// `single` for the copy measures, since a copy of a copy is a copy (wire text
    /// reprinted, then excerpted): on generated reprints `average` found 0.57 of the copy
    /// pairs, `single` 0.70, at precision 1.0 both.
    pub fn default_linkage(self) -> Linkage {
        match self {
            Measure::Story => Linkage::Average,
            Measure::Jaccard | Measure::Containment => Linkage::Single,
        }
    }

    /// The measure's name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Story => "story",
            Measure::Jaccard => "jaccard",
            Measure::Containment => "containment",
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How clusters grow from the similarity graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Linkage {
    /// Merge two clusters only while their average pairwise similarity clears the
    /// threshold: no chaining through one bridging document.
    #[default]
    Average,
    /// Connected components of the threshold graph.
    Single,
    /// Merge while the cosine of the two clusters' centroids clears the threshold: a
    /// cluster is judged by what its members share as a whole, which suits short texts.
    Centroid,
}

impl Measure {
    /// The measure of a [`Measure::name`]; `None` for any other text.
    pub fn from_name(name: &str) -> Option<Measure> {
        [Measure::Story, Measure::Jaccard, Measure::Containment]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

impl Linkage {
    /// The linkage its name (as displayed) stands for; `None` for any other text.
    pub fn from_name(name: &str) -> Option<Linkage> {
        [Linkage::Average, Linkage::Single, Linkage::Centroid]
            .into_iter()
            .find(|l| l.to_string() == name)
    }
}

impl fmt::Display for Linkage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Linkage::Average => "average",
            Linkage::Single => "single",
            Linkage::Centroid => "centroid",
        })
    }
}

/// How candidate pairs are found before they are scored exactly (`--candidates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Candidates {
    /// All-pairs for small inputs and for `containment` and `story`; LSH for `jaccard`
    /// from [`crate::candidates::LSH_MIN_DOCS`] documents on (measured crossover).
    #[default]
    Auto,
    /// Every pair, exactly, through the inverted index.
    AllPairs,
    /// MinHash + LSH banding, then exact verification (`jaccard` only).
    Lsh,
    /// The inverted index over weighted terms (`story` only); exact, the same engine as
    /// `all-pairs`.
    Index,
}

impl fmt::Display for Candidates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Candidates::Auto => "auto",
            Candidates::AllPairs => "all-pairs",
            Candidates::Lsh => "lsh",
            Candidates::Index => "index",
        })
    }
}

/// Everything that decides a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreConfig {
    /// The measure.
    pub measure: Measure,
    /// Shingles for `jaccard` and `containment`.
    pub shingle: ShingleKind,
    /// For `story`: documents with dates further apart than this many days are not linked;
    /// `0` turns the window off.
    pub window_days: u32,
}

/// The default `--window` in days, chosen by measurement (docs/tuning.md).
pub const DEFAULT_WINDOW_DAYS: u32 = 3;

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            measure: Measure::Story,
            shingle: ShingleKind::default(),
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

/// Everything that decides the clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Pairs scoring at least this are linked.
    pub threshold: f64,
    /// How links become clusters.
    pub linkage: Linkage,
}

impl ClusterConfig {
    /// The defaults for a measure.
    pub fn for_measure(measure: Measure) -> ClusterConfig {
        ClusterConfig {
            threshold: measure.default_threshold(),
            linkage: measure.default_linkage(),
        }
    }
}

/// Checks a threshold typed by the user.
///
/// # Errors
/// [`Error::Usage`] unless `0 <= t <= 1`.
pub fn check_unit(name: &str, t: f64) -> Result<f64, Error> {
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(Error::Usage(format!(
            "{name} must be between 0 and 1, got {t}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_linkages_come_back_from_their_names() {
        for m in [Measure::Story, Measure::Jaccard, Measure::Containment] {
            assert_eq!(Measure::from_name(m.name()), Some(m));
        }
        for l in [Linkage::Average, Linkage::Single, Linkage::Centroid] {
            assert_eq!(Linkage::from_name(&l.to_string()), Some(l));
        }
        assert_eq!(Measure::from_name("Story"), None);
        assert_eq!(Linkage::from_name("complete"), None);
    }

    #[test]
    fn shingle_forms() {
        assert_eq!(
            "word:5".parse::<ShingleKind>().unwrap(),
            ShingleKind::Word(5)
        );
        assert_eq!(
            "char:3".parse::<ShingleKind>().unwrap(),
            ShingleKind::Char(3)
        );
        for bad in ["word", "word:0", "line:3", "char:x", "word:65"] {
            assert!(bad.parse::<ShingleKind>().is_err(), "{bad}");
        }
        assert_eq!(ShingleKind::Char(4).to_string(), "char:4");
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(check_unit("--threshold", 0.5).is_ok());
        assert!(check_unit("--threshold", 1.5).is_err());
        assert!(check_unit("--threshold", f64::NAN).is_err());
    }
}
