//! Tunes and measures the sentence matcher on paraphrase judgements.
//!
//! `cargo run --release --example align_eval -- ../shared/data/msrp-train`
//! (a directory with `sentences.jsonl` {id, text} and `pairs.csv` id1,id2,paraphrase).
//! Prints accuracy, precision and recall of "match" (similarity >= threshold) against the
//! judgements for the shipped blend, then the best blend of a small grid, chosen on the
//! even-numbered pairs and reported on the odd-numbered ones.

use std::collections::HashMap;
use std::io::BufRead;

use storydedup::align::{BLEND, Blend, MATCH_THRESHOLD, Parts, similarity_parts};

fn score(rows: &[(Parts, bool)], w: &Blend, t: f64) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (p, y) in rows {
        match (p.blend(w) >= t, *y) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let acc = (tp + tn) as f64 / rows.len().max(1) as f64;
    (
        acc,
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fn_).max(1) as f64,
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: align_eval <dir with sentences.jsonl and pairs.csv>")?;
    let cases = gold::load("fixtures/align", "fixtures/news/articles.jsonl");
    let prf = |w: &Blend, t: f64| {
        let (tp, pred, g) = gold::counts(&cases, w, t);
        let p = tp as f64 / pred.max(1) as f64;
        let r = tp as f64 / g.max(1) as f64;
        (
            p,
            r,
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            },
        )
    };
    let (p, r, f) = prf(&BLEND, MATCH_THRESHOLD);
    println!(
        "fixtures/align ({} labelled pairs): precision {p:.4}  recall {r:.4}  F1 {f:.4} (shipped blend)",
        cases.len()
    );
    let mut rows_for_sweep: Vec<(Parts, bool)> = Vec::new();
    let mut text: HashMap<String, String> = HashMap::new();
    for line in
        std::io::BufReader::new(std::fs::File::open(format!("{dir}/sentences.jsonl"))?).lines()
    {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        text.insert(
            v["id"].as_str().unwrap_or_default().to_owned(),
            v["text"].as_str().unwrap_or_default().to_owned(),
        );
    }
    let mut rows: Vec<(Parts, bool)> = Vec::new();
    for rec in csv::Reader::from_path(format!("{dir}/pairs.csv"))?.records() {
        let rec = rec?;
        let (Some(a), Some(b)) = (text.get(&rec[0]), text.get(&rec[1])) else {
            continue;
        };
        rows.push((similarity_parts(a, b), &rec[2] == "1"));
    }
    let yes = rows.iter().filter(|r| r.1).count();
    rows_for_sweep.extend(rows.iter().copied());
    println!("threshold sweep of the shipped blend: fixtures P/R/F1 | paraphrase accuracy");
    for t in [0.30, 0.34, 0.38, 0.42, 0.46, 0.50, 0.56, 0.60] {
        let (p, r, f) = prf(&BLEND, t);
        let (acc, mp, mr) = score(&rows_for_sweep, &BLEND, t);
        println!(
            "  t={t:.2}: fixtures {p:.3}/{r:.3}/{f:.3} | accuracy {acc:.4} (precision {mp:.3}, recall {mr:.3})"
        );
    }
    println!(
        "{} pairs, {:.1}% judged paraphrases",
        rows.len(),
        100.0 * yes as f64 / rows.len() as f64
    );
    let (a, p, r) = score(&rows, &BLEND, MATCH_THRESHOLD);
    println!(
        "shipped blend {BLEND:?} t={MATCH_THRESHOLD:.2}\n  all pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}"
    );
    let train: Vec<(Parts, bool)> = rows.iter().step_by(2).copied().collect();
    let test: Vec<(Parts, bool)> = rows.iter().skip(1).step_by(2).copied().collect();
    let mut best = (0.0, BLEND, 0.0);
    // The best blend that still uses names and numbers, which news rewrites lean on.
    let mut best_salient = (0.0, BLEND, 0.0);
    let grid = [0.0, 0.2, 0.4];
    for words in grid {
        for chars in grid {
            for salient in [0.0, 0.2] {
                for all in grid {
                    for bigrams in grid {
                        for coverage in grid {
                            for length in [0.0, 0.2] {
                                for number_clash in [0.0, 0.1] {
                                    let w = Blend {
                                        words,
                                        chars,
                                        salient,
                                        all,
                                        length,
                                        number_clash,
                                        bigrams,
                                        coverage,
                                    };
                                    if words + chars + all + length + bigrams + coverage == 0.0 {
                                        continue;
                                    }
                                    for t in (20..=90).step_by(2).map(|x| x as f64 / 100.0) {
                                        let (acc, _, _) = score(&train, &w, t);
                                        if acc > best.0 {
                                            best = (acc, w, t);
                                        }
                                        if salient > 0.0 && acc > best_salient.0 {
                                            best_salient = (acc, w, t);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let (a, p, r) = score(&test, &best.1, best.2);
    println!(
        "best of grid on even pairs: {:?} t={:.2} (train accuracy {:.4})\n  odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}",
        best.1, best.2, best.0
    );
    let (a, p, r) = score(&test, &best_salient.1, best_salient.2);
    println!(
        "best with names on even pairs: {:?} t={:.2} (train accuracy {:.4})\n  odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}",
        best_salient.1, best_salient.2, best_salient.0
    );
    // News rewrites: the blend with the best F1 on the fixture alignments, and how it does on
    // the paraphrase judgements (rank by the mean of the two).
    if std::env::var_os("ALIGN_JOINT").is_some() {
        let mut found: Vec<(f64, f64, f64, Blend, f64)> = Vec::new();
        for words in [0.2, 0.4] {
            for chars in [0.2, 0.4] {
                for salient in [0.2, 0.4, 0.6] {
                    for all in [0.0, 0.2, 0.4] {
                        for coverage in [0.0, 0.2, 0.4] {
                            for length in [0.0, 0.2] {
                                for number_clash in [0.0, 0.1] {
                                    let w = Blend {
                                        words,
                                        chars,
                                        salient,
                                        all,
                                        length,
                                        number_clash,
                                        bigrams: 0.0,
                                        coverage,
                                    };
                                    for t in [0.26, 0.30, 0.34, 0.38, 0.42, 0.46] {
                                        let (_, _, f) = prf(&w, t);
                                        let (acc, _, _) = score(&rows, &w, t);
                                        found.push(((f + acc) / 2.0, f, acc, w, t));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (m, f, acc, w, t) in found.iter().take(8) {
            println!("joint {m:.4}: fixtures F1 {f:.4}  MSRP accuracy {acc:.4}  {w:?} t={t:.2}");
        }
    }
    let (a, p, r) = score(&test, &BLEND, MATCH_THRESHOLD);
    println!("shipped blend on odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}");
    Ok(())
}

/// Precision and recall of matched sentence pairs against the gold alignments in
/// `fixtures/align` (gold.jsonl: fixture article pairs; hard.jsonl: hard cases).
pub mod gold {
    use std::collections::{BTreeSet, HashMap};

    use storydedup::align::{Blend, RowKind, align_with};

    /// One labelled pair: the two texts and the gold (left, right) sentence pairs.
    pub struct Case {
        pub left: String,
        pub right: String,
        pub gold: BTreeSet<(usize, usize)>,
    }

    pub fn load(dir: &str, articles: &str) -> Vec<Case> {
        let mut texts: HashMap<String, String> = HashMap::new();
        for line in std::fs::read_to_string(articles)
            .unwrap_or_default()
            .lines()
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                texts.insert(
                    v["id"].as_str().unwrap_or_default().into(),
                    v["text"].as_str().unwrap_or_default().into(),
                );
            }
        }
        let mut cases = Vec::new();
        for file in ["gold.jsonl", "hard.jsonl"] {
            for line in std::fs::read_to_string(format!("{dir}/{file}"))
                .unwrap_or_default()
                .lines()
            {
                let v: serde_json::Value = serde_json::from_str(line).expect("gold line");
                let get = |key: &str, text_key: &str| {
                    v[text_key]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| texts[v[key].as_str().unwrap()].clone())
                };
                let mut gold = BTreeSet::new();
                for m in v["matches"].as_array().unwrap() {
                    for l in m[0].as_array().unwrap() {
                        for r in m[1].as_array().unwrap() {
                            gold.insert((
                                l.as_u64().unwrap() as usize,
                                r.as_u64().unwrap() as usize,
                            ));
                        }
                    }
                }
                cases.push(Case {
                    left: get("left", "left_text"),
                    right: get("right", "right_text"),
                    gold,
                });
            }
        }
        cases
    }

    /// (true positives, predicted, gold) over all cases.
    pub fn counts(cases: &[Case], blend: &Blend, t: f64) -> (usize, usize, usize) {
        let (mut tp, mut pred, mut gold) = (0, 0, 0);
        for c in cases {
            let a = align_with(&c.left, &c.right, blend, t);
            let mut found = BTreeSet::new();
            for r in a.rows.iter().filter(|r| r.kind == RowKind::Match) {
                for &l in &r.left.as_ref().unwrap().sentences {
                    for &x in &r.right.as_ref().unwrap().sentences {
                        found.insert((l, x));
                    }
                }
            }
            tp += found.intersection(&c.gold).count();
            pred += found.len();
            gold += c.gold.len();
        }
        (tp, pred, gold)
    }
}
