//! `cluster -f csv`: one row per input document, grouped by cluster.
//!
//! Columns: `cluster,id,source,title,date,url,size,similarity,copy_group,cites` —
//! `similarity` is the document's mean similarity to the other members of its cluster (empty
//! for singletons); `copy_group` numbers the group of near-copies the document belongs to
//! within its cluster (empty when it is no copy); `cites` lists the outlets it cites,
//! separated by `; `.

use std::io::Write;

use serde::Serialize;

use crate::document::Corpus;

use super::{ClusterReport, fmt_score};

#[derive(Serialize)]
struct Row<'a> {
    cluster: usize,
    id: &'a str,
    source: &'a str,
    title: &'a str,
    date: String,
    url: &'a str,
    size: usize,
    similarity: String,
    copy_group: String,
    cites: String,
}

/// Writes the clusters as CSV.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render(report: &ClusterReport, corpus: &Corpus, out: impl Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    for c in &report.clusters {
        for ((&m, sim), cites) in c.members.iter().zip(&c.attachment).zip(&c.cites) {
            let d = &corpus.docs[m];
            let copy_group = c
                .copies
                .iter()
                .position(|g| g.members.contains(&m))
                .map(|g| (g + 1).to_string())
                .unwrap_or_default();
            w.serialize(Row {
                cluster: c.number,
                id: &d.id,
                source: d.source.as_deref().unwrap_or(""),
                title: d.title.as_deref().unwrap_or(""),
                date: d.date.map(|x| x.to_string()).unwrap_or_default(),
                url: d.url.as_deref().unwrap_or(""),
                size: c.members.len(),
                similarity: sim.map(fmt_score).unwrap_or_default(),
                copy_group,
                cites: cites.join("; "),
            })
            .map_err(csv_io)?;
        }
    }
    w.flush()
}

/// The csv crate wraps I/O errors; unwrap them so a closed pipe is still recognisable.
pub(crate) fn csv_io(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
