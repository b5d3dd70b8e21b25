//! The stages of a run cut into parts (`storydedup.dask`), one Python function each: the
//! library's `split` module does the work; this file only turns its inputs and results
//! into bytes that Dask moves between workers (little-endian, fixed layouts), and back.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use storydedup::split::{self, Found, Joined, PartFacts, PartState, Settings};
use storydedup::weigh::{Prior, TermCounts};
use storydedup::{Corpus, Date, Error};

use crate::{NAME, cluster_config, fail, run_free, score_config, usage};

/// The options of `storydedup.cluster` that decide a run, as the Python side passes them
/// to every stage: `(measure, threshold, window, linkage, shingle)`.
type Options = (String, Option<f64>, u32, Option<String>, String);

/// The settings of a cut run, from its options.
fn settings((measure, threshold, window, linkage, shingle): &Options) -> PyResult<Settings> {
    let score = score_config(measure, shingle, *window)?;
    let config = cluster_config(&score, *threshold, linkage.as_deref())?;
    Ok(Settings { score, config })
}

/// A part's documents, read at their lines of the whole collection.
fn read_part(first_line: u64, jsonl: &str) -> Result<Corpus, Error> {
    split::read_lines(NAME, &[(first_line, jsonl)])
}

// ------------------------------------------------------------------ byte layouts

struct Reader<'b>(&'b [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> PyResult<[u8; N]> {
        if self.0.len() < N {
            return Err(usage("cut run: truncated data between stages".into()));
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        Ok(head.try_into().expect("N bytes"))
    }
    fn u8(&mut self) -> PyResult<u8> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> PyResult<u32> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn i32(&mut self) -> PyResult<i32> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> PyResult<u64> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn f64(&mut self) -> PyResult<f64> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    fn string(&mut self) -> PyResult<String> {
        let len = self.u32()? as usize;
        if self.0.len() < len {
            return Err(usage("cut run: truncated data between stages".into()));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(head.to_vec()).map_err(|e| usage(format!("cut run: {e}")))
    }
}

fn put_prior(out: &mut Vec<u8>, prior: &Prior) {
    out.extend(prior.documents.to_le_bytes());
    let mut keys: Vec<(&u64, &TermCounts)> = prior.terms.iter().collect();
    keys.sort_unstable_by_key(|(k, _)| **k);
    out.extend((keys.len() as u64).to_le_bytes());
    for (k, c) in keys {
        out.extend(k.to_le_bytes());
        out.extend(c.df.to_le_bytes());
        out.extend(c.cap_mid.to_le_bytes());
        out.extend(c.low_mid.to_le_bytes());
    }
}

fn get_prior(r: &mut Reader<'_>) -> PyResult<Prior> {
    let mut prior = Prior {
        documents: r.u64()?,
        ..Prior::default()
    };
    let n = r.u64()? as usize;
    prior.terms.reserve(n);
    for _ in 0..n {
        let key = r.u64()?;
        let c = TermCounts {
            df: r.u32()?,
            cap_mid: r.u32()?,
            low_mid: r.u32()?,
        };
        prior.terms.insert(key, c);
    }
    Ok(prior)
}

fn prior_of(bytes: &[u8]) -> PyResult<Prior> {
    get_prior(&mut Reader(bytes))
}

fn bytes_of<'py>(py: Python<'py>, v: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, v)
}

/// A date as its day number (`i32::MIN`: none).
fn put_date(out: &mut Vec<u8>, date: Option<Date>) {
    out.extend(date.map_or(i32::MIN, Date::days).to_le_bytes());
}

fn get_date(r: &mut Reader<'_>) -> PyResult<Option<Date>> {
    let day = r.i32()?;
    Ok((day != i32::MIN).then(|| Date::from_days(day)))
}

fn put_facts(f: &PartFacts) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((f.ids.len() as u64).to_le_bytes());
    for i in 0..f.ids.len() {
        out.extend((f.ids[i].len() as u32).to_le_bytes());
        out.extend(f.ids[i].as_bytes());
        put_date(&mut out, f.dates[i]);
        out.extend(f.terms[i].to_le_bytes());
        out.push(u8::from(f.identity[i].is_some()));
        out.extend(f.identity[i].unwrap_or(0).to_le_bytes());
    }
    out.extend(f.short.documents.to_le_bytes());
    out
}

fn get_facts(bytes: &[u8]) -> PyResult<PartFacts> {
    let mut r = Reader(bytes);
    let n = r.u64()? as usize;
    let mut f = PartFacts::default();
    for _ in 0..n {
        f.ids.push(r.string()?);
        f.dates.push(get_date(&mut r)?);
        f.terms.push(r.u32()?);
        let has = r.u8()? != 0;
        let identity = r.u64()?;
        f.identity.push(has.then_some(identity));
    }
    f.short.documents = r.u64()?;
    Ok(f)
}

fn put_keys(out: &mut Vec<u8>, keys: &[u64]) {
    out.extend((keys.len() as u32).to_le_bytes());
    for k in keys {
        out.extend(k.to_le_bytes());
    }
}

fn get_keys(r: &mut Reader<'_>) -> PyResult<Vec<u64>> {
    let n = r.u32()? as usize;
    (0..n).map(|_| r.u64()).collect()
}

fn put_state(st: &PartState) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((st.terms.len() as u64).to_le_bytes());
    for i in 0..st.terms.len() {
        put_date(&mut out, st.dates[i]);
        out.extend((st.terms[i].len() as u32).to_le_bytes());
        for (k, w) in &st.terms[i] {
            out.extend(k.to_le_bytes());
            out.extend(w.to_le_bytes());
        }
        put_keys(&mut out, st.actors.get(i).map_or(&[], Vec::as_slice));
        put_keys(&mut out, st.codes.get(i).map_or(&[], Vec::as_slice));
        out.push(st.days.get(i).copied().unwrap_or(0));
    }
    put_keys(&mut out, &st.salient);
    out
}

fn get_state(bytes: &[u8]) -> PyResult<PartState> {
    let mut r = Reader(bytes);
    let n = r.u64()? as usize;
    let mut st = PartState::default();
    for _ in 0..n {
        st.dates.push(get_date(&mut r)?);
        let len = r.u32()? as usize;
        let mut terms = Vec::with_capacity(len);
        for _ in 0..len {
            let k = r.u64()?;
            let w = f32::from_le_bytes(r.take()?);
            terms.push((k, w));
        }
        st.terms.push(terms);
        st.actors.push(get_keys(&mut r)?);
        st.codes.push(get_keys(&mut r)?);
        st.days.push(r.u8()?);
    }
    st.salient = get_keys(&mut r)?;
    Ok(st)
}

fn put_found(found: &[Found]) -> Vec<u8> {
    let mut out = Vec::with_capacity(found.len() * 29);
    for f in found {
        out.push(f.search);
        out.extend(f.owner.to_le_bytes());
        out.extend(f.a.to_le_bytes());
        out.extend(f.b.to_le_bytes());
        out.extend(f.score.to_le_bytes());
        out.extend(f.weight.to_le_bytes());
    }
    out
}

fn get_found(bytes: &[u8], into: &mut Vec<Found>) -> PyResult<()> {
    let mut r = Reader(bytes);
    while !r.0.is_empty() {
        into.push(Found {
            search: r.u8()?,
            owner: r.u32()?,
            a: r.u32()?,
            b: r.u32()?,
            score: r.f64()?,
            weight: r.f64()?,
        });
    }
    Ok(())
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

fn put_u32s(v: impl IntoIterator<Item = u32>) -> Vec<u8> {
    v.into_iter().flat_map(u32::to_le_bytes).collect()
}

// ------------------------------------------------------------------ stages

/// What stage 1 gives back to Python: ids, counts, the problem and its line.
type Stage1<'py> = (
    Vec<String>,
    Option<Bound<'py, PyBytes>>,
    Option<String>,
    Option<u64>,
);
/// What stage 2 gives back: facts, short counts, bands, band keys, the part's span of
/// days (first, last, whether any document is undated; `None` when none is dated), and
/// what the pair search reads of the part.
type Stage2<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    usize,
    Bound<'py, PyBytes>,
    (Option<(i32, i32)>, bool),
    Bound<'py, PyBytes>,
);

/// Stage 1 of a part starting at `first_line`: `(ids, counts, problem, problem_line)`.
/// A part with bad input gives the one-line message of its first problem and the ids of
/// the documents before it (whole runs meet an id repeated from an earlier part first
/// when it comes earlier), and no counts.
#[pyfunction]
#[pyo3(signature = (first_line, jsonl, options, threads = None))]
pub fn part_counts<'py>(
    py: Python<'py>,
    first_line: u64,
    jsonl: &str,
    options: Options,
    threads: Option<usize>,
) -> PyResult<Stage1<'py>> {
    let score = settings(&options)?.score;
    let read = run_free(py, threads, || {
        Ok(match read_part(first_line, jsonl) {
            Ok(corpus) => {
                let mut out = Vec::new();
                put_prior(&mut out, &split::part_counts(&corpus, &score));
                let ids = corpus.docs.into_iter().map(|d| d.id).collect();
                (ids, Some(out), None, None)
            }
            Err(e) => {
                let line = match &e {
                    Error::Input { pos, .. } => pos.line,
                    _ => None,
                };
                // The documents before the problem, read again without it.
                let ids = match line {
                    Some(l) if l > first_line => {
                        let keep: usize = jsonl
                            .split_inclusive('\n')
                            .take((l - first_line) as usize)
                            .map(str::len)
                            .sum();
                        read_part(first_line, &jsonl[..keep])
                            .map(|c| c.docs.into_iter().map(|d| d.id).collect())
                            .unwrap_or_default()
                    }
                    _ => Vec::new(),
                };
                (ids, None, Some(format!("storydedup: {e}")), line)
            }
        })
    })?;
    let (ids, counts, problem, line): (Vec<String>, Option<Vec<u8>>, _, _) = read;
    Ok((ids, counts.map(|c| bytes_of(py, &c)), problem, line))
}

/// The sum of parts' statistics (stage 1, or the short texts' of stage 2).
#[pyfunction]
pub fn add_counts<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let mut sum = Prior::default();
    for p in &parts {
        split::add_counts(&mut sum, &prior_of(p)?);
    }
    let mut out = Vec::new();
    put_prior(&mut out, &sum);
    Ok(bytes_of(py, &out))
}

/// The message a whole run gives for an id met again at `line`, first seen at `first`.
#[pyfunction]
pub fn duplicate_id(id: &str, line: u64, first: u64) -> String {
    format!("storydedup: {}", split::duplicate_id(NAME, id, line, first))
}

/// Refuses settings a cut run of `documents` documents cannot follow as a whole run does
/// (and bad options, bad `threads` included); says whether it uses LSH.
#[pyfunction]
#[pyo3(signature = (documents, options, threads = None))]
pub fn check(
    py: Python<'_>,
    documents: usize,
    options: Options,
    threads: Option<usize>,
) -> PyResult<bool> {
    let s = settings(&options)?;
    run_free(py, threads, || Ok(()))?;
    s.check(documents).map_err(|e| fail(&e))?;
    Ok(s.uses_lsh(documents))
}

/// Stage 2 of a part: `(facts, short counts)`, and with `lsh`, `(bands, band keys)` too.
#[pyfunction]
#[pyo3(signature = (first_line, jsonl, counts, documents, lsh, options, threads = None))]
// A part, the collection's counts and size, the engine, the options and the threads.
#[allow(clippy::too_many_arguments)]
pub fn part_facts<'py>(
    py: Python<'py>,
    first_line: u64,
    jsonl: &str,
    counts: &[u8],
    documents: usize,
    lsh: bool,
    options: Options,
    threads: Option<usize>,
) -> PyResult<Stage2<'py>> {
    let s = settings(&options)?;
    let whole = prior_of(counts)?;
    let out = run_free(py, threads, || {
        let corpus = read_part(first_line, jsonl)?;
        let facts = split::part_facts(&corpus, &s, &whole);
        let mut short = Vec::new();
        put_prior(&mut short, &facts.short);
        let (bands, keys) = if lsh {
            split::band_keys(&facts.state, &s, documents)
        } else {
            (0, Vec::new())
        };
        let days = facts.dates.iter().flatten().map(|d| d.days());
        let span = days.clone().min().zip(days.max());
        let undated = facts.dates.iter().any(Option::is_none);
        Ok((
            put_facts(&facts),
            short,
            bands,
            put_u32s(keys),
            (span, undated),
            // Copy measures' states are made where they are searched (`copy_state`).
            if s.score.measure == storydedup::Measure::Story {
                put_state(&facts.state)
            } else {
                Vec::new()
            },
        ))
    })?;
    let (facts, short, bands, keys, span, state) = out;
    Ok((
        bytes_of(py, &facts),
        bytes_of(py, &short),
        bands,
        bytes_of(py, &keys),
        span,
        bytes_of(py, &state),
    ))
}

/// The candidate pairs of LSH buckets: `buckets` (u64 each) and `docs` (u32 each), sorted
/// by bucket then document; pairs as `a` and `b` (u32 each), sorted, each once.
#[pyfunction]
pub fn bucket_pairs<'py>(
    py: Python<'py>,
    buckets: &[u8],
    docs: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let buckets: Vec<u64> = buckets
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let docs = u32s(docs);
    let mut pairs = Vec::new();
    let mut start = 0;
    while start < buckets.len() {
        let mut end = start + 1;
        while end < buckets.len() && buckets[end] == buckets[start] {
            end += 1;
        }
        pairs.extend(split::bucket_pairs(&docs[start..end]));
        start = end;
    }
    let pairs = split::unique_pairs(pairs);
    Ok(bytes_of(
        py,
        &put_u32s(pairs.into_iter().flat_map(|(a, b)| [a, b])),
    ))
}

/// Stage 3 between the part `first` and the part `second` (`None`: the first alone), each
/// `(index of its first document, its first line, its state from stage 2)` (for copy
/// measures, its JSON lines instead of the state): the pairs found.
#[pyfunction]
#[pyo3(signature = (first, second, counts, short_counts, options, threads = None))]
// Two parts, two sets of counts, the candidates if any, the options and the threads.
#[allow(clippy::too_many_arguments)]
pub fn pairs_between<'py>(
    py: Python<'py>,
    first: (usize, u64, Vec<u8>),
    second: Option<(usize, u64, Vec<u8>)>,
    counts: &[u8],
    short_counts: &[u8],
    options: Options,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = settings(&options)?;
    let whole = prior_of(counts)?;
    let short_whole = prior_of(short_counts)?;
    // A story part comes as its state; a copy measure's as its text (read below).
    let story = s.score.measure == storydedup::Measure::Story;
    let states = if story {
        let mut states = vec![get_state(&first.2)?];
        if let Some(x) = &second {
            states.push(get_state(&x.2)?);
        }
        states
    } else {
        Vec::new()
    };
    let first_len = if story {
        states[0].terms.len()
    } else {
        // Each line of a part is one document (the Python side writes them so).
        first
            .2
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    };
    let out = run_free(py, threads, || {
        let scorer = if story {
            let refs: Vec<&PartState> = states.iter().collect();
            split::scorer_of(&refs, &s.score)
        } else {
            let text = |x: &(usize, u64, Vec<u8>)| String::from_utf8_lossy(&x.2).into_owned();
            let mut pieces = vec![(first.1, text(&first))];
            pieces.extend(second.as_ref().map(|x| (x.1, text(x))));
            let pieces: Vec<(u64, &str)> = pieces.iter().map(|(l, t)| (*l, t.as_str())).collect();
            split::copy_scorer(&split::read_lines(NAME, &pieces)?, &s.score)
        };
        let joined = Joined {
            scorer: &scorer,
            first_len,
            offsets: [first.0, second.as_ref().map_or(first.0, |x| x.0)],
            alone: second.is_none(),
        };
        Ok(put_found(&split::pairs_between(
            &joined,
            &s,
            &whole,
            &short_whole,
        )))
    })?;
    Ok(bytes_of(py, &out))
}

/// Stage 3 for LSH: the candidate pairs `pairs` (u32 `a, b` each, whole-collection
/// indexes) scored; `pieces` are the `(line, JSON line)` of the documents they name, in
/// order, and `globals` those documents' indexes.
#[pyfunction]
#[pyo3(signature = (pieces, globals, pairs, options, threads = None))]
pub fn verify_pairs<'py>(
    py: Python<'py>,
    pieces: Vec<(u64, String)>,
    globals: Vec<u32>,
    pairs: &[u8],
    options: Options,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = settings(&options)?;
    let ab = u32s(pairs);
    let pairs: Vec<(u32, u32)> = ab.chunks_exact(2).map(|c| (c[0], c[1])).collect();
    let out = run_free(py, threads, || {
        let pieces: Vec<(u64, &str)> = pieces.iter().map(|(l, t)| (*l, t.as_str())).collect();
        let corpus = split::read_lines(NAME, &pieces)?;
        Ok(put_found(&split::verify_listed(
            &corpus, &globals, &s, &pairs,
        )))
    })?;
    Ok(bytes_of(py, &out))
}

/// Stage 4: the clusters (lists of whole-collection indexes, in numbering order) from
/// every part's facts (in order) and every part pair's found pairs.
#[pyfunction]
#[pyo3(signature = (facts, found, lsh, options, threads = None))]
pub fn clusters_of(
    py: Python<'_>,
    facts: Vec<Vec<u8>>,
    found: Vec<Vec<u8>>,
    lsh: bool,
    options: Options,
    threads: Option<usize>,
) -> PyResult<Vec<Vec<usize>>> {
    let s = settings(&options)?;
    let facts = facts
        .iter()
        .map(|f| get_facts(f))
        .collect::<PyResult<Vec<_>>>()?;
    let mut all = Vec::new();
    for f in &found {
        get_found(f, &mut all)?;
    }
    run_free(py, threads, || Ok(split::clusters_of(&facts, all, &s, lsh)))
}

/// Stage 5: the CSV rows (header first) of clusters `groups` (`(number, members)`, members
/// indexing `pieces`' documents in order), whose documents are `pieces` (`(line, JSONL
/// line)`, ascending).
#[pyfunction]
#[pyo3(signature = (pieces, groups, counts, options, threads = None))]
pub fn describe_batch(
    py: Python<'_>,
    pieces: Vec<(u64, String)>,
    groups: Vec<(usize, Vec<usize>)>,
    counts: &[u8],
    options: Options,
    threads: Option<usize>,
) -> PyResult<String> {
    let s = settings(&options)?;
    let whole = prior_of(counts)?;
    let out = run_free(py, threads, || {
        let pieces: Vec<(u64, &str)> = pieces.iter().map(|(l, t)| (*l, t.as_str())).collect();
        let corpus = split::read_lines(NAME, &pieces)?;
        let report = split::describe_batch(&corpus, groups, &s, &whole);
        crate::rendered(|out| storydedup::report::csv::render(&report, &corpus, out))
    })?;
    crate::into_text(out)
}
