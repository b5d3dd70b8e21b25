//! `cluster -f table` (the default): a summary for people. Counts and settings, then each
//! multi-document cluster with its similarity, shared terms and members, then the
//! singletons compactly.

use std::io::Write;

use crate::config::{Linkage, Measure};
use crate::document::Corpus;

use super::{ClusterReport, count, printable};

/// Characters of title shown per member line.
const LABEL_CHARS: usize = 80;

/// Writes the human-readable summary.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render(report: &ClusterReport, corpus: &Corpus, mut out: impl Write) -> std::io::Result<()> {
    let multi: Vec<_> = report
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .collect();
    let singles: Vec<_> = report
        .clusters
        .iter()
        .filter(|c| c.members.len() == 1)
        .collect();
    let in_multi: usize = multi.iter().map(|c| c.members.len()).sum();
    let p = &report.parameters;
    writeln!(
        out,
        "{} in {}: {} of 2 or more ({}), {}",
        count(report.documents, "document"),
        count(report.clusters.len(), "cluster"),
        count(multi.len(), "story"),
        count(in_multi, "document"),
        count(singles.len(), "singleton")
    )?;
    let window = super::window_or_shingles(
        p.measure,
        p.window_days,
        p.shingle,
        corpus.docs.iter().any(|d| d.date.is_some()),
    );
    // Average linkage weighs a pair of short texts above its cosine (`crate::score`): their
    // similarities may sit under the threshold, and the header says why.
    let short = if p.measure == Measure::Story && p.linkage == Linkage::Average {
        " (less for headlines and briefs)"
    } else {
        ""
    };
    writeln!(
        out,
        "measure {}, threshold {:.2}{short}, linkage {}{}",
        p.measure, p.threshold, p.linkage, window
    )?;
    let id_width = report
        .clusters
        .iter()
        .flat_map(|c| c.members.iter())
        .map(|&m| corpus.docs[m].id.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for c in &multi {
        writeln!(out)?;
        let bar = weak_bar(c, p.threshold);
        // Per member, in member order: attached below the bar.
        let weak: Vec<bool> = c
            .attachment
            .iter()
            .map(|a| a.is_some_and(|a| a < bar))
            .collect();
        let weak_count = weak.iter().filter(|&&w| w).count();
        let flag = if weak_count == 0 {
            String::new()
        } else {
            format!(
                " · {} weakly attached (marked ~, mean similarity below {bar:.2})",
                weak_count,
            )
        };
        writeln!(
            out,
            "Cluster {} · {} documents · similarity min {:.2}, mean {:.2}{flag}",
            c.number,
            c.members.len(),
            c.min_similarity.unwrap_or(0.0),
            c.mean_similarity.unwrap_or(0.0)
        )?;
        if !c.shared_terms.is_empty() {
            writeln!(out, "  shared: {}", printable(&c.shared_terms.join(", ")))?;
        }
        if !c.cited_sources.is_empty() {
            let cited: Vec<String> = c
                .cited_sources
                .iter()
                .map(|(s, n)| format!("{} ({n})", printable(s)))
                .collect();
            writeln!(out, "  cites: {}", cited.join(", "))?;
        }
        for (&m, &weak) in c.members.iter().zip(&weak) {
            let mark = if weak { '~' } else { ' ' };
            member_line(&mut out, corpus, m, id_width, mark)?;
        }
        for g in &c.copies {
            let others: Vec<String> = g
                .members
                .iter()
                .filter(|&&m| m != g.original)
                .map(|&m| printable(&corpus.docs[m].id))
                .collect();
            writeln!(
                out,
                "    copies of {} (original): {}",
                printable(&corpus.docs[g.original].id),
                others.join(", ")
            )?;
        }
    }
    if !singles.is_empty() {
        writeln!(out)?;
        writeln!(out, "Singletons ({}):", singles.len())?;
        for c in &singles {
            member_line(&mut out, corpus, c.members[0], id_width, ' ')?;
        }
    }
    Ok(())
}

/// A member whose mean similarity to the rest of its cluster is below this share of both
/// the threshold and the cluster's mean similarity barely belongs: the table marks it, so a
/// blob held together by a few strong pairs shows itself. Both, since dated headlines join
/// below the threshold by design (their pairs weigh more as evidence), yet still near
/// their cluster's mean.
const WEAK_SHARE: f64 = 0.5;

/// The attachment below which a member of `c` counts as weak (see [`WEAK_SHARE`]).
fn weak_bar(c: &crate::report::StoryCluster, threshold: f64) -> f64 {
    WEAK_SHARE * threshold.min(c.mean_similarity.unwrap_or(threshold))
}

fn member_line(
    out: &mut impl Write,
    corpus: &Corpus,
    m: usize,
    id_width: usize,
    mark: char,
) -> std::io::Result<()> {
    let d = &corpus.docs[m];
    let mut meta = Vec::new();
    if let Some(s) = &d.source {
        meta.push(printable(s));
    }
    if let Some(date) = d.date {
        meta.push(date.to_string());
    }
    let meta = if meta.is_empty() {
        String::new()
    } else {
        format!("[{}] ", meta.join(", "))
    };
    let id = printable(&d.id);
    writeln!(
        out,
        " {mark}{id:<id_width$}  {meta}{}",
        printable(&d.label(LABEL_CHARS))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Linkage, Measure, ShingleKind};
    use crate::document::{Date, Document};
    use crate::report::{Parameters, StoryCluster};

    fn cluster(members: Vec<usize>, attachment: Vec<Option<f64>>) -> StoryCluster {
        let k = members.len();
        StoryCluster {
            number: 1,
            members,
            attachment,
            min_similarity: Some(0.05),
            mean_similarity: Some(0.4),
            shared_terms: Vec::new(),
            copies: Vec::new(),
            cites: vec![Vec::new(); k],
            cited_sources: Vec::new(),
        }
    }

    fn render_of(docs: Vec<Document>, c: StoryCluster) -> String {
        let corpus = Corpus {
            docs,
            ..Corpus::default()
        };
        let report = ClusterReport {
            documents: corpus.docs.len(),
            clusters: vec![c],
            parameters: Parameters {
                measure: Measure::Story,
                threshold: 0.6,
                linkage: Linkage::Centroid,
                shingle: ShingleKind::default(),
                window_days: 3,
            },
        };
        let mut out = Vec::new();
        render(&report, &corpus, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn issue_13_weak_members_are_marked_and_counted() {
        let docs = (0..3)
            .map(|i| Document::new(format!("d{i}"), "text"))
            .collect();
        // Threshold 0.6, cluster mean 0.4: below 0.20 a member barely belongs.
        let c = cluster(vec![0, 1, 2], vec![Some(0.7), Some(0.65), Some(0.1)]);
        let table = render_of(docs, c);
        assert!(
            table.contains("1 weakly attached (marked ~, mean similarity below 0.20)"),
            "{table}"
        );
        let marked: Vec<&str> = table.lines().filter(|l| l.starts_with(" ~")).collect();
        assert_eq!(marked.len(), 1, "{table}");
        assert!(marked[0].contains("d2"), "{table}");
    }

    #[test]
    fn issue_13_window_of_an_undated_collection_says_so() {
        let undated: Vec<Document> = (0..2)
            .map(|i| Document::new(format!("d{i}"), "text"))
            .collect();
        let c = cluster(vec![0, 1], vec![Some(0.7), Some(0.7)]);
        let table = render_of(undated.clone(), c.clone());
        assert!(
            table.contains("window 3 days (no document dated)"),
            "{table}"
        );
        assert!(!table.contains("weakly"), "{table}");
        let mut dated = undated;
        dated[0].date = Date::parse("2024-03-01");
        let table = render_of(dated, c);
        assert!(table.contains("window 3 days\n"), "{table}");
    }
}
