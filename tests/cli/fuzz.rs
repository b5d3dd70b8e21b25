//! Issue 6, fuzzing: the JSONL and CSV readers, the cleaner, tokenizer and normaliser, the
//! sentence alignment and the HTML and terminal renderers, driven with arbitrary bytes and
//! strings. `cargo fuzz` needs a nightly toolchain this project does not use, so these are
//! proptest runs at high case counts: ignored by default, run by `.ci/run` with a bounded
//! budget (`PROPTEST_CASES`, default 2,000 per target):
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --test cli fuzz_ -- --ignored --nocapture
//! ```
//!
//! Each target prints how many cases it executed. A crash is a proptest failure with the
//! shrunk input; it becomes a regular test next to the code it broke.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use storydedup::document::{Corpus, Document};
use storydedup::{align, ingest, normalize, pipeline, report, tokenize};

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs `test` on `strategy` and reports how many cases ran.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = runner();
    let count = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&strategy, |v| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        test(v)
    });
    eprintln!(
        "fuzz {name}: {} cases executed (including shrinking)",
        count.into_inner()
    );
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
}

/// Text that looks like news often and like garbage sometimes: words, punctuation,
/// markup, entities, escapes, controls, invisibles, CJK and emoji.
fn newsish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Z][a-z]{1,9}",
        4 => "[a-z]{1,9}",
        2 => "[0-9]{1,5}",
        3 => prop::sample::select(vec![
            " ", " ", " ", ". ", ", ", "! ", "? ", "\n", "\n\n", "\r\n", "\t", "\"", "\u{201c}",
            "\u{201d}", "'", "\u{2019}", "-", "\u{2014}", "...", "Mr. ", "U.S. ", "(", ")",
            "<p>", "</p>", "<br/>", "<script>x</script>", "<!-- c -->", "&amp;", "&#8217;",
            "&lt;b&gt;", "&bogus;", "\u{1b}[31m", "\u{1b}]0;t\u{7}", "\u{0}", "\u{200b}",
            "\u{202e}", "\u{feff}", "\u{fffd}", "東京", "。", "🎉", "👩\u{200d}👩", "e\u{301}",
            "\u{ad}", "\u{85}", "\u{2028}",
        ]).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_jsonl_reader_on_arbitrary_bytes() {
    fuzz(
        "jsonl bytes",
        prop::collection::vec(any::<u8>(), 0..400),
        |bytes| {
            // Any outcome but a panic is fine; a success keeps ids unique.
            if let Ok(c) = ingest::read_jsonl("f.jsonl", bytes.as_slice()) {
                let ids: std::collections::HashSet<&str> =
                    c.docs.iter().map(|d| d.id.as_str()).collect();
                prop_assert_eq!(ids.len(), c.docs.len());
            }
            Ok(())
        },
    );
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_jsonl_reader_keeps_every_valid_record() {
    let value = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        newsish().prop_map(serde_json::Value::from),
        prop::collection::vec(any::<u8>(), 0..3).prop_map(serde_json::Value::from),
    ];
    let record = (
        newsish(),
        prop::option::of(newsish()),
        prop::option::of(value),
    );
    fuzz(
        "jsonl records",
        prop::collection::vec(record, 1..8),
        |records| {
            let mut input = String::new();
            for (i, (text, title, extra)) in records.iter().enumerate() {
                let mut obj = serde_json::json!({"id": format!("r{i}"), "text": text});
                if let Some(t) = title {
                    obj["title"] = t.clone().into();
                }
                if let Some(x) = extra {
                    obj["unknown_field"] = x.clone();
                }
                input.push_str(&obj.to_string());
                input.push_str(if i % 2 == 0 { "\n" } else { "\r\n" });
            }
            let c = ingest::read_jsonl("f.jsonl", input.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(c.docs.len(), records.len());
            for (i, d) in c.docs.iter().enumerate() {
                prop_assert_eq!(&d.id, &format!("r{i}"));
                prop_assert!(!d.text.contains('\r'));
                prop_assert_eq!(&d.text, &ingest::clean_text(&records[i].0));
            }
            Ok(())
        },
    );
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_csv_reader_on_arbitrary_bytes() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        // A valid header first, so the rows get parsed too.
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|b| {
            let mut v = b"id,text,title\n".to_vec();
            v.extend(b);
            v
        }),
    ];
    fuzz("csv bytes", bytes, |bytes| {
        if let Ok(c) = ingest::read_csv("f.csv", bytes.as_slice()) {
            let ids: std::collections::HashSet<&str> =
                c.docs.iter().map(|d| d.id.as_str()).collect();
            prop_assert_eq!(ids.len(), c.docs.len());
        }
        Ok(())
    });
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_csv_reader_keeps_every_written_row() {
    fuzz(
        "csv rows",
        prop::collection::vec((newsish(), newsish()), 1..8),
        |rows| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["id", "text", "source"]).unwrap();
            for (i, (text, source)) in rows.iter().enumerate() {
                w.write_record([format!("r{i}").as_str(), text, source])
                    .unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let c = ingest::read_csv("f.csv", bytes.as_slice())
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(c.docs.len(), rows.len());
            for (i, d) in c.docs.iter().enumerate() {
                prop_assert_eq!(&d.text, &ingest::clean_text(&rows[i].0));
            }
            Ok(())
        },
    );
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_cleaner_tokenizer_and_normaliser() {
    let text = prop_oneof![newsish(), any::<String>()];
    fuzz("tokenize", text, |raw| {
        let text = ingest::clean_text(&raw);
        let clean = !text.contains('\r') && !text.contains('\u{1b}');
        prop_assert!(clean, "CR or ESC left in {:?}", text);
        let t = tokenize::tokenize(&text);
        let mut last = 0;
        for tok in &t.tokens {
            prop_assert!(tok.span.start >= last && tok.span.start < tok.span.end);
            prop_assert!(tok.span.end <= text.len());
            prop_assert!(text.is_char_boundary(tok.span.start));
            prop_assert!(text.is_char_boundary(tok.span.end));
            let s = &t.sentences[tok.sentence as usize];
            prop_assert!(s.start <= tok.span.start && tok.span.end <= s.end);
            let _ = tok.norm(&text);
            last = tok.span.end;
        }
        for s in &t.sentences {
            prop_assert!(s.start <= s.end && s.end <= text.len());
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
        // Normalising is idempotent.
        let n = normalize::normalize(&raw);
        prop_assert_eq!(normalize::normalize(&n), n);
        Ok(())
    });
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_alignment_covers_every_sentence_once() {
    fuzz("align", (newsish(), newsish()), |(left, right)| {
        let (left, right) = (ingest::clean_text(&left), ingest::clean_text(&right));
        let a = align::align(&left, &right);
        let mut seen_left = vec![0usize; a.left_sentences];
        let mut seen_right = vec![0usize; a.right_sentences];
        for row in &a.rows {
            for (seg, seen) in [(&row.left, &mut seen_left), (&row.right, &mut seen_right)] {
                if let Some(seg) = seg {
                    for &s in &seg.sentences {
                        prop_assert!(s < seen.len());
                        seen[s] += 1;
                    }
                    for r in &seg.emphasis {
                        prop_assert!(r.start <= r.end && r.end <= seg.text.len());
                        prop_assert!(seg.text.is_char_boundary(r.start));
                        prop_assert!(seg.text.is_char_boundary(r.end));
                    }
                }
            }
            if let Some(s) = row.similarity {
                prop_assert!((0.0..=1.0).contains(&s), "{s}");
            }
        }
        prop_assert!(seen_left.iter().all(|&n| n == 1), "{seen_left:?}");
        prop_assert!(seen_right.iter().all(|&n| n == 1), "{seen_right:?}");
        Ok(())
    });
}

fn hostile_doc() -> impl Strategy<Value = Document> {
    let url = prop_oneof![
        newsish(),
        newsish().prop_map(|s| format!("https://{s}")),
        newsish().prop_map(|s| format!("javascript:{s}")),
    ];
    (
        newsish(),
        newsish(),
        prop::option::of(newsish()),
        prop::option::of(newsish()),
        prop::option::of(url),
    )
        .prop_map(|(id, text, title, source, url)| {
            // Ids are kept as written; the other fields go through ingest's cleaning.
            let mut d = Document::new(id, ingest::clean_text(&text));
            d.title = title;
            d.source = source;
            d.url = url;
            d
        })
}

#[test]
#[ignore = "fuzz budget; run by .ci/run"]
fn fuzz_html_and_terminal_renderers() {
    fuzz(
        "render",
        (hostile_doc(), hostile_doc()),
        |(left, mut right)| {
            if right.id == left.id {
                right.id.push('2');
            }
            let corpus = Corpus::new(vec![left, right]);
            let d = pipeline::diff_documents(&corpus, 0, 1, 3);
            let mut html = Vec::new();
            report::html::render_diff(&d, &mut html).unwrap();
            let html = String::from_utf8(html).map_err(|e| TestCaseError::fail(e.to_string()))?;
            super::reliability::assert_only_own_tags(&html, "fuzzed diff -f html");
            let mut page = Vec::new();
            let view = pipeline::collection_view(
                &corpus,
                &storydedup::config::ScoreConfig::default(),
                &storydedup::config::ClusterConfig::for_measure(storydedup::config::Measure::Story),
            );
            report::html::render_collection(&view, &corpus, &mut page).unwrap();
            let page = String::from_utf8(page).map_err(|e| TestCaseError::fail(e.to_string()))?;
            super::reliability::assert_only_own_tags(&page, "fuzzed report");
            let mut term = Vec::new();
            let style = report::terminal::Style {
                width: 60,
                color: false,
            };
            report::terminal::render(&d, &style, &mut term).unwrap();
            let term = String::from_utf8(term).map_err(|e| TestCaseError::fail(e.to_string()))?;
            super::reliability::assert_terminal_safe(&term, "fuzzed diff terminal");
            let clusters = pipeline::cluster_corpus(
                &corpus,
                &storydedup::config::ScoreConfig::default(),
                &storydedup::config::ClusterConfig::for_measure(storydedup::config::Measure::Story),
            );
            let mut table = Vec::new();
            report::table::render(&clusters, &corpus, &mut table).unwrap();
            let table = String::from_utf8(table).map_err(|e| TestCaseError::fail(e.to_string()))?;
            super::reliability::assert_terminal_safe(&table, "fuzzed cluster table");
            Ok(())
        },
    );
}
