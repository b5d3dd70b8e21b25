//! The physical floor for a run over a JSONL collection: read every byte, find every word of
//! every `text`, hash each word once (XXH3, as the shingle stage does). The full pipeline's
//! time is compared with this in `bench/run.sh`. Printed twice: on one thread, and with the
//! parsing and hashing spread over every core (as the pipeline spreads them).
//!
//! `cargo run --release --example floor -- docs.jsonl`

use std::io::{BufRead, BufReader};
use std::time::Instant;

use rayon::prelude::*;

/// Parses one line and hashes every word of its text: (words, checksum).
fn hash_words(line: &[u8]) -> Result<(usize, u64), serde_json::Error> {
    let v: serde_json::Value = serde_json::from_slice(line)?;
    let text = v["text"].as_str().unwrap_or("");
    let (mut words, mut acc) = (0usize, 0u64);
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        acc ^= xxhash_rust::xxh3::xxh3_64(w.as_bytes());
        words += 1;
    }
    Ok((words, acc))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: floor <docs.jsonl>")?;
    let start = Instant::now();
    let mut bytes = 0usize;
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
    let mut all = Vec::new();
    for line in reader.split(b'\n') {
        let line = line?;
        bytes += line.len() + 1;
        all.push(line);
    }
    let read = start.elapsed();
    let (mut words, mut acc) = (0usize, 0u64);
    for line in &all {
        let (w, a) = hash_words(line)?;
        words += w;
        acc ^= a;
    }
    let one_thread = start.elapsed();
    let parallel = Instant::now();
    let (pw, pacc) = all
        .par_iter()
        .map(|l| hash_words(l))
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 ^ b.1)))?;
    assert_eq!((pw, pacc), (words, acc));
    let all_cores = read + parallel.elapsed();
    println!(
        "{} lines, {:.1} MB, {words} words: read {:.2} s; read + parse + hash every word {:.2} s on one thread, {:.2} s on {} threads (checksum {acc:x})",
        all.len(),
        bytes as f64 / 1e6,
        read.as_secs_f64(),
        one_thread.as_secs_f64(),
        all_cores.as_secs_f64(),
        rayon::current_num_threads(),
    );
    Ok(())
}
