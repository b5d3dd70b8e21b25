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
    cited_sources: Vec<Cited<'a>>,
    copies: Vec<Copies<'a>>,
}

#[derive(Serialize)]
struct Cited<'a> {
    source: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct Copies<'a> {
    members: Vec<&'a str>,
    original: &'a str,
}

#[derive(Serialize)]
struct Member<'a> {
    id: &'a str,
    source: Option<&'a str>,
    title: Option<&'a str>,
    date: Option<String>,
    url: Option<&'a str>,
    similarity: Option<f64>,
    cites: &'a [String],
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
                .zip(&c.cites)
                .map(|((&m, sim), cites)| {
                    let d = &corpus.docs[m];
                    Member {
                        cites,
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
            cited_sources: c
                .cited_sources
                .iter()
                .map(|(source, count)| Cited {
                    source,
                    count: *count,
                })
                .collect(),
            copies: c
                .copies
                .iter()
                .map(|g| Copies {
                    members: g
                        .members
                        .iter()
                        .map(|&m| corpus.docs[m].id.as_str())
                        .collect(),
                    original: &corpus.docs[g.original].id,
                })
                .collect(),
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

#[derive(Serialize)]
struct DiffJson<'a> {
    left: DocJson<'a>,
    right: DocJson<'a>,
    similarity: f64,
    similarities: SimJson,
    summary: SummaryJson,
    rows: Vec<RowJson<'a>>,
}

#[derive(Serialize)]
struct DocJson<'a> {
    id: &'a str,
    source: Option<&'a str>,
    title: Option<&'a str>,
    date: Option<String>,
    url: Option<&'a str>,
    sentences: usize,
}

#[derive(Serialize)]
struct SimJson {
    story: f64,
    jaccard: f64,
    containment: f64,
    story_lowered_by: LoweredJson,
    story_leaves_out: LeftOutJson,
}

/// Sentences of each text the story score leaves out as a site's wall.
#[derive(Serialize)]
struct LeftOutJson {
    left_wall_sentences: usize,
    right_wall_sentences: usize,
}

/// What lowered the story score: `before` (the words alone) times the three factors is the
/// score; each factor 1 where it did not apply.
#[derive(Serialize)]
struct LoweredJson {
    before: f64,
    days_apart: Option<u32>,
    beyond_window: bool,
    dates: f64,
    actors: f64,
    /// Whether both texts carry security codes, which then decide `actors`.
    codes: bool,
    weekdays: f64,
    left_days: Vec<&'static str>,
    right_days: Vec<&'static str>,
}

#[derive(Serialize)]
struct SummaryJson {
    shared: usize,
    left_only: usize,
    right_only: usize,
}

#[derive(Serialize)]
struct RowJson<'a> {
    kind: crate::align::RowKind,
    left: Option<&'a str>,
    right: Option<&'a str>,
    similarity: Option<f64>,
    /// Words (as written) found only on the left side of a match.
    left_unique: Vec<&'a str>,
    /// Words (as written) found only on the right side of a match.
    right_unique: Vec<&'a str>,
}

/// Writes a diff as JSON: `{"left", "right", "similarity" (story), "similarities" (with
/// "story_lowered_by": `{"before", "days_apart", "beyond_window", "dates", "actors", "codes",
/// "weekdays", "left_days", "right_days"}`), "summary", "rows": [{"kind", "left", "right", "similarity",
/// "left_unique", "right_unique"}]}`; texts are the original sentences.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_diff<'a>(d: &'a super::DiffReport<'a>, mut out: impl Write) -> std::io::Result<()> {
    let doc = |x: &'a crate::document::Document, sentences: usize| DocJson {
        id: &x.id,
        source: x.source.as_deref(),
        title: x.title.as_deref(),
        date: x.date.map(|d| d.to_string()),
        url: x.url.as_deref(),
        sentences,
    };
    let unique = |seg: &'a Option<crate::align::Segment>| -> Vec<&'a str> {
        seg.as_ref().map_or_else(Vec::new, |s| {
            s.emphasis.iter().map(|r| &s.text[r.clone()]).collect()
        })
    };
    let a = &d.alignment;
    let sum = a.summary();
    let json = DiffJson {
        left: doc(d.left, a.left_sentences),
        right: doc(d.right, a.right_sentences),
        similarity: round(d.similarities.story),
        similarities: SimJson {
            story: round(d.similarities.story),
            jaccard: round(d.similarities.jaccard),
            containment: round(d.similarities.containment),
            story_lowered_by: {
                let l = &d.similarities.lowering;
                LoweredJson {
                    before: round(l.before),
                    days_apart: l.days_apart,
                    beyond_window: l.beyond_window,
                    dates: round(l.dates),
                    actors: round(l.actors),
                    codes: l.codes,
                    weekdays: round(l.weekdays),
                    left_days: l.day_names(0),
                    right_days: l.day_names(1),
                }
            },
            story_leaves_out: LeftOutJson {
                left_wall_sentences: d.similarities.wall_sentences[0],
                right_wall_sentences: d.similarities.wall_sentences[1],
            },
        },
        summary: SummaryJson {
            shared: sum.shared,
            left_only: sum.left_only,
            right_only: sum.right_only,
        },
        rows: a
            .rows
            .iter()
            .map(|r| RowJson {
                kind: r.kind,
                left: r.left.as_ref().map(|s| s.text.as_str()),
                right: r.right.as_ref().map(|s| s.text.as_str()),
                similarity: r.similarity.map(round),
                left_unique: unique(&r.left),
                right_unique: unique(&r.right),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &json).map_err(std::io::Error::from)?;
    writeln!(out)
}
