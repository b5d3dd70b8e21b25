//! `cluster -f table` (the default): a summary for people. Counts and settings, then each
//! multi-document cluster with its similarity, shared terms and members, then the
//! singletons compactly.

use std::io::Write;

use crate::document::Corpus;

use super::{ClusterReport, printable};

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
    let window = if p.measure == crate::config::Measure::Story {
        if p.window_days == 0 {
            ", no date window".to_owned()
        } else {
            format!(", window {} days", p.window_days)
        }
    } else {
        format!(", shingles {}", p.shingle)
    };
    writeln!(
        out,
        "measure {}, threshold {:.2}, linkage {}{}",
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
        writeln!(
            out,
            "Cluster {} · {} documents · similarity min {:.2}, mean {:.2}",
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
        for &m in &c.members {
            member_line(&mut out, corpus, m, id_width)?;
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
            member_line(&mut out, corpus, c.members[0], id_width)?;
        }
    }
    Ok(())
}

/// "1 document", "2 documents", "1 story", "3 stories".
fn count(n: usize, noun: &str) -> String {
    let plural = match noun.strip_suffix('y') {
        Some(stem) if n != 1 => format!("{stem}ies"),
        _ if n != 1 => format!("{noun}s"),
        _ => noun.to_owned(),
    };
    format!("{n} {plural}")
}

fn member_line(
    out: &mut impl Write,
    corpus: &Corpus,
    m: usize,
    id_width: usize,
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
        "  {id:<id_width$}  {meta}{}",
        printable(&d.label(LABEL_CHARS))
    )
}
