//! `cluster -f csv`: one row per input document, grouped by cluster.
//!
//! Columns: `cluster,id,source,title,date,url,size,similarity,copy_group,cites,copy_of` —
//! `similarity` is the document's mean similarity to the other members of its cluster (empty
//! for singletons); `copy_group` numbers the group of near-copies the document belongs to
//! within its cluster (empty when it is no copy); `cites` lists the outlets it cites,
//! separated by `; `; `copy_of` is the id of its copy group's likely original (empty for the
//! original itself and for documents in no copy group).

use std::io::Write;

use serde::Serialize;

use crate::document::Corpus;

use super::{ClusterReport, Decision, fmt_score};

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
    copy_of: &'a str,
}

/// Clusters rendered together into one buffer; buffers are rendered in parallel and
/// written in order (the rows of a large run cost more to format than to write).
const CLUSTERS_PER_BUFFER: usize = 4096;

/// Writes the clusters as CSV.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render(report: &ClusterReport, corpus: &Corpus, mut out: impl Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    let buffers: Vec<std::io::Result<Vec<u8>>> = report
        .clusters
        .par_chunks(CLUSTERS_PER_BUFFER)
        .enumerate()
        .map(|(i, clusters)| {
            // The header row comes with the first rows.
            let mut w = ::csv::WriterBuilder::new()
                .has_headers(i == 0)
                .from_writer(Vec::new());
            for c in clusters {
                rows(c, corpus, &mut w)?;
            }
            w.into_inner().map_err(|e| e.into_error())
        })
        .collect();
    for b in buffers {
        out.write_all(&b?)?;
    }
    out.flush()
}

/// The rows of one cluster.
fn rows(
    c: &super::StoryCluster,
    corpus: &Corpus,
    w: &mut ::csv::Writer<Vec<u8>>,
) -> std::io::Result<()> {
    for ((&m, sim), cites) in c.members.iter().zip(&c.attachment).zip(&c.cites) {
        let d = &corpus.docs[m];
        let group = c.copies.iter().position(|g| g.members.contains(&m));
        let copy_group = group.map(|g| (g + 1).to_string()).unwrap_or_default();
        // The likely original of the document's copy group, unless it is that original.
        let copy_of = group
            .map(|g| c.copies[g].original)
            .filter(|&o| o != m)
            .map_or("", |o| corpus.docs[o].id.as_str());
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
            copy_of,
        })
        .map_err(csv_io)?;
    }
    Ok(())
}

/// The csv crate wraps I/O errors; unwrap them so a closed pipe is still recognisable.
pub(crate) fn csv_io(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[derive(Serialize)]
struct KeepRow<'a> {
    id: &'a str,
    kept: bool,
    duplicate_of: &'a str,
    cluster: usize,
    similarity: String,
}

/// Writes `dedup --report`: `id,kept,duplicate_of,cluster,similarity`, one row per input
/// document in input order (`duplicate_of` names the kept document, empty when kept).
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_decisions(
    corpus: &Corpus,
    decisions: &[Decision],
    out: impl Write,
) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    for (d, x) in corpus.docs.iter().zip(decisions) {
        w.serialize(KeepRow {
            id: &d.id,
            kept: x.kept,
            duplicate_of: x.duplicate_of.map_or("", |k| corpus.docs[k].id.as_str()),
            cluster: x.cluster,
            similarity: x.similarity.map(fmt_score).unwrap_or_default(),
        })
        .map_err(csv_io)?;
    }
    w.flush()
}
