//! The index's SQL: the schema, reading documents back, the term counts, story upkeep, and
//! database errors said as what they mean for the user's file.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Settings;
use crate::config::Measure;
use crate::document::{Date, Document};
use crate::error::{Error, IndexError, Position};
use crate::weigh::{Prior, TermCounts};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// How this build keys the term counts (words, stems and their hashes). A build that
/// changes how words are read or keyed bumps it; an index counted otherwise is refused.
pub const TERMS_VERSION: u32 = 2;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE stories (
    story INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    first_date TEXT,
    last_date TEXT,
    title TEXT,
    batch INTEGER NOT NULL
);
CREATE TABLE documents (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    story INTEGER NOT NULL REFERENCES stories(story),
    similarity REAL,
    title TEXT,
    source TEXT,
    date TEXT,
    day INTEGER,
    url TEXT,
    text TEXT NOT NULL,
    origin TEXT NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX documents_story ON documents(story);
CREATE INDEX documents_day ON documents(day);
CREATE TABLE batches (
    batch INTEGER PRIMARY KEY,
    added INTEGER NOT NULL,
    joined INTEGER NOT NULL,
    new_stories INTEGER NOT NULL,
    merged INTEGER NOT NULL,
    replaced INTEGER NOT NULL
);
CREATE TABLE terms (
    key INTEGER PRIMARY KEY,
    df INTEGER NOT NULL,
    cap_mid INTEGER NOT NULL,
    low_mid INTEGER NOT NULL
);
";

/// A stored document read back, with its story.
pub(super) struct Stored {
    pub(super) doc: Document,
    pub(super) story: u64,
}

/// What [`ensure_schema`] found.
pub(super) enum Schema {
    /// The file held an index already (made by this run or another).
    Found,
    /// The file was empty: the schema and `settings` were written.
    Made,
    /// The file is another program's database.
    Foreign,
}

/// Makes the schema and the settings in an empty database, in one `BEGIN IMMEDIATE`
/// transaction, unless another process made them first (two first adds at once: the
/// second waits on the lock, then finds the index). Another program's database is left
/// untouched.
pub(super) fn ensure_schema(
    conn: &mut Connection,
    settings: &Settings,
) -> rusqlite::Result<Schema> {
    let tables = |c: &Connection| -> rusqlite::Result<(i64, bool)> {
        c.query_row(
            "SELECT COUNT(*), COALESCE(SUM(name = 'meta'), 0) FROM sqlite_master \
             WHERE type = 'table'",
            [],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? > 0)),
        )
    };
    match tables(conn)? {
        (_, true) => return Ok(Schema::Found),
        (n, false) if n > 0 => return Ok(Schema::Foreign),
        _ => {}
    }
    // The journal mode cannot change inside a transaction; on an empty file it is ours.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    match tables(&tx)? {
        (_, true) => return Ok(Schema::Found),
        (n, false) if n > 0 => return Ok(Schema::Foreign),
        _ => {}
    }
    tx.execute_batch(SCHEMA)?;
    let mut put = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
    put.execute(params!["schema", SCHEMA_VERSION.to_string()])?;
    put.execute(params!["next_story", "1"])?;
    put.execute(params!["documents_counted", "0"])?;
    put.execute(params!["terms", TERMS_VERSION.to_string()])?;
    for (k, v) in settings.entries() {
        put.execute(params![k, v])?;
    }
    drop(put);
    tx.commit()?;
    Ok(Schema::Made)
}

/// Indexes of at most this many documents are read back whole on each add and query.
const WHOLE_BELOW: i64 = 2_000;

/// The stored documents that documents dated as `new` can link to, in the order they were
/// added: within the window of the batch's dates, and every undated one; all of them when
/// a new document is undated or there is no window.
pub(super) fn read_context(
    conn: &Connection,
    settings: &Settings,
    new: &[Document],
) -> rusqlite::Result<Vec<Stored>> {
    let window = i64::from(settings.score.window_days);
    let days: Vec<i64> = new
        .iter()
        .filter_map(|d| d.date.map(|d| i64::from(d.days())))
        .collect();
    let bounded = settings.score.measure == Measure::Story && window > 0;
    // Whether the index holds more than `WHOLE_BELOW` documents, without counting them all.
    let large: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM documents LIMIT 1 OFFSET ?1)",
        [WHOLE_BELOW],
        |r| r.get(0),
    )?;
    // A small index is read whole: the judgement's statistics of the collection (what is
    // usual around a document, how dense a length class is) then come from all of it, as
    // in one `cluster` run, rather than from the few documents of a window.
    if !bounded || days.len() < new.len() || days.is_empty() || !large {
        return read_where(conn, "1 = 1", []);
    }
    let lo = days.iter().min().copied().unwrap_or(0) - window;
    let hi = days.iter().max().copied().unwrap_or(0) + window;
    read_where(
        conn,
        "day IS NULL OR day BETWEEN ?1 AND ?2",
        params![lo, hi],
    )
}

pub(super) fn read_where(
    conn: &Connection,
    condition: &str,
    values: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Stored>> {
    let sql = format!(
        "SELECT id, story, title, source, date, url, text, origin FROM documents \
         WHERE {condition} ORDER BY seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(values, |r| {
        let origin: String = r.get(7)?;
        let mut doc = Document::new(r.get::<_, String>(0)?, r.get::<_, String>(6)?);
        doc.title = r.get(2)?;
        doc.source = r.get(3)?;
        doc.date = r.get::<_, Option<String>>(4)?.and_then(|d| Date::parse(&d));
        doc.url = r.get(5)?;
        doc.origin = Position::file(origin);
        Ok(Stored {
            doc,
            story: r.get::<_, i64>(1)? as u64,
        })
    })?;
    rows.collect()
}

/// The stories among `stories` whose every stored member is among them (read back whole).
pub(super) fn complete_stories(
    tx: &Transaction<'_>,
    stories: &[u64],
) -> rusqlite::Result<std::collections::HashSet<u64>> {
    let mut read: HashMap<u64, i64> = HashMap::new();
    for &s in stories {
        *read.entry(s).or_insert(0) += 1;
    }
    let mut size = tx.prepare_cached("SELECT COUNT(*) FROM documents WHERE story = ?1")?;
    let mut whole = std::collections::HashSet::new();
    for (&story, &n) in &read {
        let all: i64 = size.query_row([story as i64], |r| r.get(0))?;
        if all == n {
            whole.insert(story);
        }
    }
    Ok(whole)
}

/// Removes a stored document (replaced by a new one with its id).
pub(super) fn remove(tx: &Transaction<'_>, seq: i64) -> rusqlite::Result<(u64, Document)> {
    let mut gone = read_where(tx, "seq = ?1", [seq])?;
    let Some(Stored { doc, story }) = gone.pop() else {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    };
    tx.execute("DELETE FROM documents WHERE seq = ?1", [seq])?;
    Ok((story, doc))
}

/// The stored counts of `keys`, with the number of documents counted.
pub(super) fn load_prior(conn: &Connection, keys: &[u64]) -> rusqlite::Result<Prior> {
    let documents: i64 = conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'documents_counted'",
        [],
        |r| r.get(0),
    )?;
    let mut prior = Prior {
        documents: documents.max(0) as u64,
        ..Prior::default()
    };
    let mut find = conn.prepare_cached("SELECT df, cap_mid, low_mid FROM terms WHERE key = ?1")?;
    for &key in keys {
        // Keys are hashes: stored as the signed integer of the same bits.
        let found = find
            .query_row([key as i64], |r| {
                Ok(TermCounts {
                    df: r.get::<_, i64>(0)?.max(0) as u32,
                    cap_mid: r.get::<_, i64>(1)?.max(0) as u32,
                    low_mid: r.get::<_, i64>(2)?.max(0) as u32,
                })
            })
            .optional()?;
        if let Some(counts) = found {
            prior.terms.insert(key, counts);
        }
    }
    Ok(prior)
}

/// Adds (`sign` 1) or takes away (`sign` -1) `counts` from the stored statistics.
pub(super) fn update_counts(
    tx: &Transaction<'_>,
    counts: &Prior,
    sign: i64,
) -> rusqlite::Result<()> {
    if counts.documents == 0 {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO terms (key, df, cap_mid, low_mid) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(key) DO UPDATE SET df = df + excluded.df,
            cap_mid = cap_mid + excluded.cap_mid, low_mid = low_mid + excluded.low_mid",
    )?;
    // In key order: the table's pages are then written in sequence.
    let mut keys: Vec<&u64> = counts.terms.keys().collect();
    keys.sort_unstable();
    // Counts taken away to nothing are dropped (only the keys just updated are looked at).
    let mut drop_empty = tx.prepare_cached("DELETE FROM terms WHERE key = ?1 AND df <= 0")?;
    for key in keys {
        let c = counts.terms[key];
        upsert.execute(params![
            *key as i64,
            sign * i64::from(c.df),
            sign * i64::from(c.cap_mid),
            sign * i64::from(c.low_mid)
        ])?;
        if sign < 0 {
            drop_empty.execute([*key as i64])?;
        }
    }
    tx.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + ?1 AS TEXT) \
         WHERE key = 'documents_counted'",
        [sign * counts.documents as i64],
    )?;
    Ok(())
}

/// Recomputes the size, dates and title of each story of `touched` from its documents, and
/// drops those left empty (their documents replaced or folded away).
pub(super) fn refresh_stories(
    tx: &Transaction<'_>,
    touched: &std::collections::BTreeSet<u64>,
) -> rusqlite::Result<()> {
    let mut update = tx.prepare(
        "UPDATE stories SET
            size = (SELECT COUNT(*) FROM documents d WHERE d.story = ?1),
            first_date = (SELECT date FROM documents d WHERE d.story = ?1
                          AND d.day IS NOT NULL ORDER BY d.day, d.seq LIMIT 1),
            last_date = (SELECT date FROM documents d WHERE d.story = ?1
                         AND d.day IS NOT NULL ORDER BY d.day DESC, d.seq LIMIT 1),
            title = (SELECT COALESCE(d.title, substr(d.text, 1, 120)) FROM documents d
                     WHERE d.story = ?1 ORDER BY d.seq LIMIT 1)
         WHERE story = ?1",
    )?;
    let mut empty = tx.prepare("DELETE FROM stories WHERE story = ?1 AND size = 0")?;
    for &story in touched {
        update.execute([story as i64])?;
        empty.execute([story as i64])?;
    }
    Ok(())
}

pub(super) fn index_error(path: &Path, problem: IndexError) -> Error {
    Error::Index {
        path: path.display().to_string(),
        problem,
    }
}

/// A database error, said as what it means for the user's file.
pub(super) fn sqlite_error(path: &Path, e: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let problem = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => IndexError::NotAnIndex("not an SQLite database".into()),
        Some(ErrorCode::DatabaseCorrupt) => IndexError::Damaged(e.to_string()),
        Some(ErrorCode::ReadOnly) => IndexError::ReadOnly,
        Some(ErrorCode::CannotOpen) => IndexError::CannotOpen(e.to_string()),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => IndexError::Busy,
        _ => IndexError::Database(e.to_string()),
    };
    index_error(path, problem)
}
