//! Which documents a deduplicated collection keeps, from a clustering: one member of each
//! copy group (reprints, light edits, truncations of one text) or of each story, the
//! others marked as duplicates of the one kept. The records themselves are written back by
//! [`crate::ingest::verbatim`].

use crate::document::Document;
use crate::report::ClusterReport;
pub use crate::report::Decision;

/// What counts as a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Near-copies of one text (a story's copy groups): one is kept per group; other
    /// reports of the same story are kept.
    Copy,
    /// Every report of one story: one is kept per story.
    Story,
}

/// Which member of a group is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The earliest dated (the likely first report), then the longest, then the first
    /// in input order.
    Earliest,
    /// The longest text, then the first in input order.
    Longest,
    /// The first in input order.
    First,
}

/// One decision per document of `docs` (clustered as `report` says): within each group of
/// the `level`, the member `keep` picks is kept and the others point to it; a document in
/// no group is kept.
pub fn decide(
    report: &ClusterReport,
    docs: &[Document],
    level: Level,
    keep: Keep,
) -> Vec<Decision> {
    let mut out = vec![
        Decision {
            kept: true,
            duplicate_of: None,
            cluster: 0,
            similarity: None,
        };
        docs.len()
    ];
    let keeper = |members: &[usize]| -> usize {
        let key = |&m: &usize| {
            let d = &docs[m];
            let date = d.date.map_or(i64::MAX, |x| i64::from(x.days()));
            let len = std::cmp::Reverse(d.text.len());
            match keep {
                Keep::Earliest => (date, len, m),
                Keep::Longest => (0, len, m),
                Keep::First => (0, std::cmp::Reverse(0), m),
            }
        };
        members.iter().copied().min_by_key(key).unwrap_or(0)
    };
    for c in &report.clusters {
        for (k, &m) in c.members.iter().enumerate() {
            out[m].cluster = c.number;
            out[m].similarity = c.attachment.get(k).copied().flatten();
        }
        let groups: Vec<&[usize]> = match level {
            Level::Story => vec![&c.members[..]],
            Level::Copy => c.copies.iter().map(|g| &g.members[..]).collect(),
        };
        for members in groups.into_iter().filter(|g| g.len() > 1) {
            let kept = keeper(members);
            for &m in members.iter().filter(|&&m| m != kept) {
                out[m].kept = false;
                out[m].duplicate_of = Some(kept);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClusterConfig, Measure, ScoreConfig};
    use crate::document::{Corpus, Date};
    use crate::pipeline::cluster_corpus;

    fn corpus() -> Corpus {
        let wire = "Harbor crews closed the Tamsin bridge on Monday after inspectors found cracks in two girders, the council said, and repairs are expected to take three weeks while ferries carry commuters across the river";
        let mut docs = vec![
            Document::new("late-copy", format!("{wire}.")),
            Document::new(
                "original",
                format!("{wire}. Extra paragraph from the desk."),
            ),
            Document::new("trimmed", wire.to_string()),
            Document::new(
                "rewrite",
                "Inspectors found two cracked girders on the Tamsin bridge, so harbor crews shut it on Monday; the council expects three weeks of repairs, with ferries for commuters.",
            ),
            Document::new(
                "other",
                "The Velda grain harvest failed and wheat prices rose 40 percent at the Marrow exchange on Tuesday.",
            ),
        ];
        docs[0].date = Date::parse("2025-03-04");
        docs[1].date = Date::parse("2025-03-03");
        Corpus::new(docs)
    }

    /// The story clustering of `c` with default settings.
    fn clustered(c: &Corpus) -> ClusterReport {
        cluster_corpus(
            c,
            &ScoreConfig::default(),
            &ClusterConfig::for_measure(Measure::Story),
        )
    }

    /// The ids of the documents `d` keeps, in input order.
    fn kept_ids<'a>(c: &'a Corpus, d: &[Decision]) -> Vec<&'a str> {
        (0..c.docs.len())
            .filter(|&i| d[i].kept)
            .map(|i| c.docs[i].id.as_str())
            .collect()
    }

    #[test]
    fn copy_level_keeps_one_per_copy_group_and_every_rewrite() {
        let c = corpus();
        let report = clustered(&c);
        let d = decide(&report, &c.docs, Level::Copy, Keep::Earliest);
        let kept = kept_ids(&c, &d);
        // The earliest dated of the three copies stays; the rewrite and the other story too.
        assert_eq!(kept, ["original", "rewrite", "other"]);
        assert_eq!(d[0].duplicate_of, Some(1));
        assert_eq!(d[2].duplicate_of, Some(1));
        assert_eq!(d[0].cluster, d[3].cluster, "the rewrite is the same story");
        // Longest and first pick other keepers among the same copies.
        let longest = decide(&report, &c.docs, Level::Copy, Keep::Longest);
        assert!(longest[1].kept && !longest[0].kept && !longest[2].kept);
        let first = decide(&report, &c.docs, Level::Copy, Keep::First);
        assert!(first[0].kept && !first[1].kept && first[1].duplicate_of == Some(0));
    }

    #[test]
    fn story_level_keeps_one_per_story() {
        let c = corpus();
        let d = decide(&clustered(&c), &c.docs, Level::Story, Keep::Earliest);
        let kept = kept_ids(&c, &d);
        assert_eq!(kept, ["original", "other"]);
        assert_eq!(d[3].duplicate_of, Some(1));
        assert!(d.iter().all(|x| x.cluster > 0));
    }
}
