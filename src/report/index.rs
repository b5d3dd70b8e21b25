//! The story index's answers (`index query`) and figures (`index stats`): a table, CSV
//! or JSON, computed from the models in [`super`].

use std::io::Write;

use serde::Serialize;

use super::{IndexStats, Suggestion};
use crate::config::Measure;
use crate::progress::thousands;

/// One line per document: its story, or "new story", then its title.
///
/// # Errors
/// Any I/O error of `out`.
pub fn answers_table(answers: &[Suggestion], mut out: impl Write) -> std::io::Result<()> {
    for a in answers {
        let story = match (a.story, a.similarity) {
            (Some(n), Some(s)) => format!("story {n} (similarity {s:.4})"),
            (Some(n), None) => format!("story {n}"),
            (None, _) => "new story".to_owned(),
        };
        writeln!(
            out,
            "{}  {}  {}",
            a.id,
            story,
            a.title.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

/// Header `id,cluster,similarity,title`; `cluster` empty for a new story.
///
/// # Errors
/// Any I/O error of `out`.
pub fn answers_csv(answers: &[Suggestion], out: impl Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(["id", "cluster", "similarity", "title"])?;
    for a in answers {
        w.write_record([
            a.id.as_str(),
            &a.story.map(|n| n.to_string()).unwrap_or_default(),
            &a.similarity.map(|s| format!("{s:.4}")).unwrap_or_default(),
            a.title.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()
}

/// The CSV's rows as one JSON array of objects, keys in the CSV's column order.
#[derive(Serialize)]
struct AnswerJson<'a> {
    id: &'a str,
    cluster: Option<u64>,
    similarity: Option<f64>,
    title: Option<&'a str>,
}

/// One JSON array of objects with the CSV's fields.
///
/// # Errors
/// Any I/O error of `out`.
pub fn answers_json(answers: &[Suggestion], mut out: impl Write) -> std::io::Result<()> {
    let rows: Vec<AnswerJson<'_>> = answers
        .iter()
        .map(|a| AnswerJson {
            id: &a.id,
            cluster: a.story,
            similarity: a.similarity.map(|s| (s * 10_000.0).round() / 10_000.0),
            title: a.title.as_deref(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut out, &rows)?;
    writeln!(out)
}

/// One line per figure of the index at `path`.
///
/// # Errors
/// Any I/O error of `out`.
pub fn stats_table(s: &IndexStats, path: &str, mut out: impl Write) -> std::io::Result<()> {
    let p = &s.parameters;
    let dates = match &s.dates {
        Some((first, last)) => format!("{first} to {last}"),
        None => "none".to_owned(),
    };
    let shingles = if p.measure == Measure::Story {
        String::new()
    } else {
        format!(", shingles {}", p.shingle)
    };
    writeln!(out, "index      {path}")?;
    writeln!(out, "documents  {}", thousands(s.documents))?;
    writeln!(
        out,
        "stories    {} ({} of two or more)",
        thousands(s.stories),
        thousands(s.multi)
    )?;
    writeln!(out, "batches    {}", thousands(s.batches))?;
    writeln!(out, "dates      {dates}")?;
    writeln!(out, "size       {:.1} MB", s.bytes as f64 / 1e6)?;
    writeln!(
        out,
        "settings   measure {}, threshold {:.2}, linkage {}, window {} days{shingles}",
        p.measure, p.threshold, p.linkage, p.window_days
    )
}

#[derive(Serialize)]
struct StatsJson<'a> {
    index: &'a str,
    documents: u64,
    stories: u64,
    stories_of_two_or_more: u64,
    batches: u64,
    first_date: Option<&'a str>,
    last_date: Option<&'a str>,
    bytes: u64,
    settings: SettingsJson,
}

#[derive(Serialize)]
struct SettingsJson {
    measure: String,
    threshold: f64,
    linkage: String,
    window_days: u32,
    shingle: String,
}

/// One JSON object, keys in the table's order.
///
/// # Errors
/// Any I/O error of `out`.
pub fn stats_json(s: &IndexStats, path: &str, mut out: impl Write) -> std::io::Result<()> {
    let p = &s.parameters;
    let v = StatsJson {
        index: path,
        documents: s.documents,
        stories: s.stories,
        stories_of_two_or_more: s.multi,
        batches: s.batches,
        first_date: s.dates.as_ref().map(|d| d.0.as_str()),
        last_date: s.dates.as_ref().map(|d| d.1.as_str()),
        bytes: s.bytes,
        settings: SettingsJson {
            measure: p.measure.to_string(),
            threshold: p.threshold,
            linkage: p.linkage.to_string(),
            window_days: p.window_days,
            shingle: p.shingle.to_string(),
        },
    };
    serde_json::to_writer_pretty(&mut out, &v)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Linkage, ShingleKind};
    use crate::report::Parameters;

    #[test]
    fn answers_and_figures_keep_their_columns_in_order() {
        let answers = [
            Suggestion {
                id: "a1".into(),
                story: Some(7),
                similarity: Some(0.61234),
                title: Some("Bridge shut, commas, \"quotes\"".into()),
            },
            Suggestion {
                id: "b2".into(),
                story: None,
                similarity: None,
                title: None,
            },
        ];
        let mut csv = Vec::new();
        answers_csv(&answers, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(
            csv,
            "id,cluster,similarity,title\na1,7,0.6123,\"Bridge shut, commas, \"\"quotes\"\"\"\nb2,,,\n"
        );
        let mut json = Vec::new();
        answers_json(&answers, &mut json).unwrap();
        let json = String::from_utf8(json).unwrap();
        let keys: Vec<usize> = ["\"id\"", "\"cluster\"", "\"similarity\"", "\"title\""]
            .iter()
            .map(|k| json.find(k).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{json}");
        let mut table = Vec::new();
        answers_table(&answers, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(
            table.contains("a1  story 7 (similarity 0.6123)") && table.contains("b2  new story")
        );
        let stats = IndexStats {
            documents: 12_000,
            stories: 40,
            multi: 9,
            batches: 3,
            dates: Some(("2026-01-01".into(), "2026-01-09".into())),
            bytes: 2_500_000,
            parameters: Parameters {
                measure: Measure::Story,
                threshold: 0.45,
                linkage: Linkage::Average,
                shingle: ShingleKind::default(),
                window_days: 3,
            },
        };
        let mut json = Vec::new();
        stats_json(&stats, "feed.db", &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["documents"], 12_000);
        assert_eq!(v["settings"]["linkage"], "average");
        let text = String::from_utf8(json).unwrap();
        assert!(
            text.find("\"index\"") < text.find("\"documents\""),
            "{text}"
        );
        let mut table = Vec::new();
        stats_table(&stats, "feed.db", &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(
            table.contains("documents  12,000\n") && table.contains("2026-01-01 to 2026-01-09")
        );
        assert!(
            !table.contains("shingles"),
            "story indexes have no shingles: {table}"
        );
    }
}
