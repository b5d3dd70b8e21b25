//! `cluster -f json`: the whole report as one JSON object (pretty-printed, stable key
//! order): `{"documents", "clusters": [{"cluster", "size", "members", "min_similarity",
//! "mean_similarity", "shared_terms"}], "parameters"}`.

use std::io::Write;

use serde::Serialize;

use crate::document::Corpus;

use super::ClusterReport;

#[derive(Serialize)]
struct Json<'a> {
    documents: usize,
    clusters: Vec<Cluster<'a>>,
    parameters: Params,
}

#[derive(Serialize)]
struct Cluster<'a> {
    cluster: usize,
    size: usize,
    members: Vec<Member<'a>>,
    min_similarity: Option<f64>,
    mean_similarity: Option<f64>,
    shared_terms: &'a [String],
}

#[derive(Serialize)]
struct Member<'a> {
    id: &'a str,
    source: Option<&'a str>,
    title: Option<&'a str>,
    date: Option<String>,
    url: Option<&'a str>,
    similarity: Option<f64>,
}

#[derive(Serialize)]
struct Params {
    measure: &'static str,
    threshold: f64,
    linkage: String,
    shingle: String,
    window_days: u32,
}

/// Rounds to four decimals, as the other outputs do, so JSON stays readable and stable.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Writes the report as JSON.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render(report: &ClusterReport, corpus: &Corpus, mut out: impl Write) -> std::io::Result<()> {
    let clusters = report
        .clusters
        .iter()
        .map(|c| Cluster {
            cluster: c.number,
            size: c.members.len(),
            members: c
                .members
                .iter()
                .zip(&c.attachment)
                .map(|(&m, sim)| {
                    let d = &corpus.docs[m];
                    Member {
                        id: &d.id,
                        source: d.source.as_deref(),
                        title: d.title.as_deref(),
                        date: d.date.map(|x| x.to_string()),
                        url: d.url.as_deref(),
                        similarity: sim.map(round),
                    }
                })
                .collect(),
            min_similarity: c.min_similarity.map(round),
            mean_similarity: c.mean_similarity.map(round),
            shared_terms: &c.shared_terms,
        })
        .collect();
    let p = &report.parameters;
    let json = Json {
        documents: report.documents,
        clusters,
        parameters: Params {
            measure: p.measure.name(),
            threshold: p.threshold,
            linkage: p.linkage.to_string(),
            shingle: p.shingle.to_string(),
            window_days: p.window_days,
        },
    };
    serde_json::to_writer_pretty(&mut out, &json).map_err(std::io::Error::from)?;
    writeln!(out)
}
