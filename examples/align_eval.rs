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
    (acc, tp as f64 / (tp + fp).max(1) as f64, tp as f64 / (tp + fn_).max(1) as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: align_eval <dir with sentences.jsonl and pairs.csv>")?;
    let mut text: HashMap<String, String> = HashMap::new();
    for line in std::io::BufReader::new(std::fs::File::open(format!("{dir}/sentences.jsonl"))?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        text.insert(v["id"].as_str().unwrap_or_default().to_owned(), v["text"].as_str().unwrap_or_default().to_owned());
    }
    let mut rows: Vec<(Parts, bool)> = Vec::new();
    for rec in csv::Reader::from_path(format!("{dir}/pairs.csv"))?.records() {
        let rec = rec?;
        let (Some(a), Some(b)) = (text.get(&rec[0]), text.get(&rec[1])) else { continue };
        rows.push((similarity_parts(a, b), &rec[2] == "1"));
    }
    let yes = rows.iter().filter(|r| r.1).count();
    println!("{} pairs, {:.1}% judged paraphrases", rows.len(), 100.0 * yes as f64 / rows.len() as f64);
    let (a, p, r) = score(&rows, &BLEND, MATCH_THRESHOLD);
    println!("shipped blend {BLEND:?} t={MATCH_THRESHOLD:.2}\n  all pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}");
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
                                    let w = Blend { words, chars, salient, all, length, number_clash, bigrams, coverage };
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
    println!("best of grid on even pairs: {:?} t={:.2} (train accuracy {:.4})\n  odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}", best.1, best.2, best.0);
    let (a, p, r) = score(&test, &best_salient.1, best_salient.2);
    println!("best with names on even pairs: {:?} t={:.2} (train accuracy {:.4})\n  odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}", best_salient.1, best_salient.2, best_salient.0);
    let (a, p, r) = score(&test, &BLEND, MATCH_THRESHOLD);
    println!("shipped blend on odd pairs: accuracy {a:.4}  precision {p:.4}  recall {r:.4}");
    Ok(())
}
