//! The physical floor for a run over a JSONL collection: read every byte, find every word of
//! every `text`, hash each word once (XXH3, as the shingle stage does). The full pipeline's
//! time is compared with this in `bench/run.sh`.
//!
//! `cargo run --release --example floor -- docs.jsonl`

use std::io::{BufRead, BufReader};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: floor <docs.jsonl>")?;
    let start = Instant::now();
    let mut bytes = 0usize;
    let mut lines = 0usize;
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
    let mut all = Vec::new();
    for line in reader.split(b'\n') {
        let line = line?;
        bytes += line.len() + 1;
        lines += 1;
        all.push(line);
    }
    let read = start.elapsed();
    let mut words = 0usize;
    let mut acc = 0u64;
    for line in &all {
        let v: serde_json::Value = serde_json::from_slice(line)?;
        let text = v["text"].as_str().unwrap_or("");
        for w in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            acc ^= xxhash_rust::xxh3::xxh3_64(w.as_bytes());
            words += 1;
        }
    }
    let total = start.elapsed();
    println!(
        "{lines} lines, {:.1} MB, {words} words: read {:.2} s, read + parse + hash every word {:.2} s (checksum {acc:x})",
        bytes as f64 / 1e6,
        read.as_secs_f64(),
        total.as_secs_f64()
    );
    Ok(())
}
