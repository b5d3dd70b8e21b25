//! What decides an index's stories: the settings stored at creation, and those a later
//! add asks for.

use crate::config::{ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind};

/// What decides an index's stories, fixed when it is created.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The measure, shingles and date window.
    pub score: ScoreConfig,
    /// The threshold and linkage.
    pub cluster: ClusterConfig,
}

impl Settings {
    pub(super) fn entries(&self) -> [(&'static str, String); 5] {
        [
            ("measure", self.score.measure.to_string()),
            ("shingle", self.score.shingle.to_string()),
            ("window", self.score.window_days.to_string()),
            ("threshold", self.cluster.threshold.to_string()),
            ("linkage", self.cluster.linkage.to_string()),
        ]
    }

    pub(super) fn from_entries(get: impl Fn(&str) -> Option<String>) -> Option<Settings> {
        let measure = Measure::from_name(&get("measure")?)?;
        let linkage = Linkage::from_name(&get("linkage")?)?;
        Some(Settings {
            score: ScoreConfig {
                measure,
                shingle: get("shingle")?.parse::<ShingleKind>().ok()?,
                window_days: get("window")?.parse().ok()?,
            },
            cluster: ClusterConfig {
                threshold: get("threshold")?.parse().ok()?,
                linkage,
            },
        })
    }
}

/// Settings a user asks for; `None` where they leave the index's own (or, for a new index,
/// the measure's default).
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    /// The measure.
    pub measure: Option<Measure>,
    /// The shingles.
    pub shingle: Option<ShingleKind>,
    /// The window in days.
    pub window_days: Option<u32>,
    /// The threshold.
    pub threshold: Option<f64>,
    /// The linkage.
    pub linkage: Option<Linkage>,
}

impl Wanted {
    /// The settings of a new index.
    pub(super) fn settings(&self) -> Settings {
        let measure = self.measure.unwrap_or_default();
        let defaults = ClusterConfig::for_measure(measure);
        Settings {
            score: ScoreConfig {
                measure,
                shingle: self.shingle.unwrap_or_default(),
                window_days: self
                    .window_days
                    .unwrap_or(crate::config::DEFAULT_WINDOW_DAYS),
            },
            cluster: ClusterConfig {
                threshold: self.threshold.unwrap_or(defaults.threshold),
                linkage: self.linkage.unwrap_or(defaults.linkage),
            },
        }
    }

    /// The settings asked for that differ from `have`, as `name stored (asked other)`.
    pub(super) fn differences(&self, have: &Settings) -> Vec<String> {
        let asked = Settings {
            score: ScoreConfig {
                measure: self.measure.unwrap_or(have.score.measure),
                shingle: self.shingle.unwrap_or(have.score.shingle),
                window_days: self.window_days.unwrap_or(have.score.window_days),
            },
            cluster: ClusterConfig {
                threshold: self.threshold.unwrap_or(have.cluster.threshold),
                linkage: self.linkage.unwrap_or(have.cluster.linkage),
            },
        };
        have.entries()
            .into_iter()
            .zip(asked.entries())
            .filter(|(stored, wanted)| stored.1 != wanted.1)
            .map(|((name, stored), (_, wanted))| format!("{name} {stored} (asked {wanted})"))
            .collect()
    }
}
