//! Criterion benches, one group per pipeline stage, on generated text (no data files).
//! Speed targets are compared as ratios in `bench/`; these track each stage over time.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use std::hint::black_box;

use storydedup::candidates::all_pairs;
use storydedup::candidates::lsh::{self, choose_banding};
use storydedup::cluster::{Edge, cluster};
use storydedup::config::{ClusterConfig, Measure, ScoreConfig, ShingleKind};
use storydedup::document::Document;
use storydedup::ingest::clean_text;
use storydedup::score::Scorer;
use storydedup::shingle::shingle;
use storydedup::sketch::{BINS, minhash_classic, sketch};
use storydedup::tokenize::{for_each_word, for_each_word_bytewise, tokenize};
use storydedup::weigh::{Lexicon, weigh, weigh_through};

/// A deterministic corpus: `n` articles of about `words` words from a Zipf-like vocabulary,
/// every fourth one a light rewrite of the one before.
fn corpus(n: usize, words: usize) -> Vec<Document> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let vocab: Vec<String> = (0..20_000).map(|i| format!("w{i:x}")).collect();
    let mut docs: Vec<Document> = Vec::with_capacity(n);
    for i in 0..n {
        let text = if i % 4 == 3 {
            let prev = &docs[i - 1].text;
            prev.split(' ')
                .filter(|_| next() % 10 != 0)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let mut t = String::new();
            for j in 0..words {
                // Rank ~ 1/u gives a Zipf-like head; capitalise some as names.
                let r = (next() % 1_000_000) as f64 / 1_000_000.0;
                let rank = ((1.0 / (r + 0.00005)) as usize).min(vocab.len() - 1);
                if j % 12 == 0 {
                    t.push_str("Name");
                }
                t.push_str(&vocab[rank]);
                t.push(if j % 15 == 14 { '.' } else { ' ' });
                t.push(' ');
            }
            t
        };
        docs.push(Document::new(format!("d{i}"), text));
    }
    docs
}

/// The texts of the fixtures' JSONL files: prose written for the tests, read from the
/// repository (no data files).
fn fixture_texts() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut texts = Vec::new();
    for set in ["news", "events3", "events4"] {
        let path = root.join(set).join("articles.jsonl");
        let all = std::fs::read_to_string(&path).expect("the fixtures are in the repository");
        for line in all.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture JSONL");
            texts.push(v["text"].as_str().unwrap_or_default().to_owned());
        }
    }
    texts
}

fn stages(c: &mut Criterion) {
    let docs = corpus(1_000, 300);
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();

    // A scraped page with many inline scripts: cleaning must stay linear in its length
    // (the 1,000-script page against the 100-script one should cost about 10x).
    let mut g = c.benchmark_group("clean html");
    for scripts in [100usize, 1_000] {
        let page: String = (0..scripts)
            .map(|i| format!("<p>Paragraph {i} of the story.</p><script>var x{i} = 1;</script>"))
            .collect();
        g.throughput(Throughput::Bytes(page.len() as u64));
        g.bench_function(format!("{scripts} scripts"), |b| {
            b.iter(|| clean_text(black_box(&page)).len())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("1k docs", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| tokenize(black_box(&d.text)).tokens.len())
                .sum::<usize>()
        })
    });
    g.finish();

    // The word walk of the shingle and weigh stages: sixteen-byte windows against the same
    // walk a byte at a time, and the full tokenizer (sentences, shapes) for scale. On the
    // fixtures' prose (news-like word lengths and punctuation): the generated corpus's
    // short made-up words favour the byte walk and say nothing of real text.
    let prose = fixture_texts();
    let prose_bytes: u64 = prose.iter().map(|t| t.len() as u64).sum();
    let mut g = c.benchmark_group("word walk");
    g.throughput(Throughput::Bytes(prose_bytes));
    g.bench_function("windows", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &prose {
                for_each_word(black_box(t), |_, w| n += w.len());
            }
            n
        })
    });
    g.bench_function("bytewise", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &prose {
                for_each_word_bytewise(black_box(t), |_, w| n += w.len());
            }
            n
        })
    });
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            prose
                .iter()
                .map(|t| tokenize(black_box(t)).tokens.len())
                .sum::<usize>()
        })
    });
    g.finish();

    // The weighing's table of short words against a general hash map, where it works:
    // inside the weighing of a collection, each run with fresh caches. (Looked up alone
    // in a loop, the general map is faster; inside the weighing, the table's look-ups,
    // asked for before a text is read, overlap with the work on each word.)
    let mut g = c.benchmark_group("word cache");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("short-word table", |b| {
        b.iter(|| weigh_through(black_box(&docs), Lexicon::new()))
    });
    g.bench_function("general map", |b| {
        b.iter(|| weigh_through(black_box(&docs), Lexicon::general_maps_only()))
    });
    g.finish();

    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("word:5", |b| {
        b.iter(|| shingle(black_box(&docs), ShingleKind::Word(5)))
    });
    g.finish();

    // OPH (one hash per shingle, then densification) against classic MinHash (one hash
    // per shingle and bin), same number of bins: the reason the sketch stage uses OPH.
    let sets = shingle(&docs, ShingleKind::Word(5));
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Elements(sets.len() as u64));
    g.bench_function("oph 256 bins", |b| {
        b.iter(|| sketch(black_box(&sets), BINS))
    });
    g.bench_function("classic minhash 256 hashes", |b| {
        b.iter(|| {
            // Parallel like `sketch`, so the comparison is per shingle, not per core.
            sets.par_iter()
                .map(|s| minhash_classic(black_box(s), BINS)[0])
                .reduce(|| 0u32, u32::wrapping_add)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("weigh");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("story terms", |b| b.iter(|| weigh(black_box(&docs))));
    g.finish();

    let mut g = c.benchmark_group("candidates");
    let story = Scorer::new(&docs, ScoreConfig::default());
    let jaccard = Scorer::new(
        &docs,
        ScoreConfig {
            measure: Measure::Jaccard,
            ..ScoreConfig::default()
        },
    );
    g.bench_function("all-pairs story", |b| {
        b.iter(|| all_pairs(black_box(&story), 0.11).len())
    });
    g.bench_function("all-pairs jaccard", |b| {
        b.iter(|| all_pairs(black_box(&jaccard), 0.25).len())
    });
    g.finish();

    let mut g = c.benchmark_group("candidates lsh");
    let banding = choose_banding(0.5, BINS);
    g.bench_function("banding 0.5", |b| {
        b.iter(|| lsh::candidates(black_box(&sets), BINS, &banding).len())
    });
    g.bench_function("banding + verify 0.5", |b| {
        b.iter(|| {
            let c = lsh::candidates(black_box(&sets), BINS, &banding);
            lsh::verify(&jaccard, &c, 0.5).len()
        })
    });
    g.bench_function("all-pairs jaccard 0.5", |b| {
        b.iter(|| all_pairs(black_box(&jaccard), 0.5).len())
    });
    g.bench_function("choose banding", |b| {
        b.iter(|| choose_banding(black_box(0.5), BINS))
    });
    g.finish();

    let mut g = c.benchmark_group("score");
    g.bench_function("story pair", |b| {
        b.iter(|| story.score(black_box(1), black_box(2)))
    });
    g.bench_function("jaccard pair", |b| {
        b.iter(|| jaccard.score(black_box(2), black_box(3)))
    });
    g.finish();

    let mut g = c.benchmark_group("cluster");
    let edges: Vec<Edge> = all_pairs(&story, 0.11)
        .into_iter()
        .map(|p| Edge {
            a: p.a,
            b: p.b,
            weight: p.detail.score,
        })
        .collect();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    g.bench_function("average linkage", |b| {
        b.iter(|| {
            cluster(
                black_box(&ids),
                &edges,
                &ClusterConfig::for_measure(Measure::Story),
            )
            .len()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
