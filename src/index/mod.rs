//! A live story index kept in SQLite: add a feed's new documents to the stories already
//! known, ask which story a document would join, list the stories.
//!
//! The database is the whole state (WAL mode, one transaction per add, a schema version
//! checked on open). Each add reads back the stored documents whose dates can link to the
//! new ones (within the window of the batch's dates, and every undated one; all of them
//! when the index is small, a new document is undated or the window is off), clusters
//! them together with the new ones through the same pipeline as `cluster`, weighing with
//! the whole index's term counts, and numbers the clusters (`numbers.rs`) so that stories
//! keep theirs from one add to the next (a merge keeps the older). `store.rs` holds the SQL.
//!
//! Texts are stored, not their features: a story's term weights depend on the collection
//! they are weighed in, so each add weighs the documents it reads back with the new ones.

mod numbers;
mod settings;
mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::config::Measure;
use crate::document::{Corpus, Date, Document};
use crate::error::{Error, IndexError, InputError, Position};
use crate::pipeline::Run;
use crate::report::{ClusterReport, Parameters};
pub use crate::report::{IndexStats as Stats, Suggestion};

use numbers::assign_numbers;
pub use settings::{Settings, Wanted};
pub use store::{SCHEMA_VERSION, TERMS_VERSION};
use store::{
    Schema, complete_stories, ensure_schema, index_error, load_prior, read_context, read_where,
    refresh_stories, remove, sqlite_error, update_counts,
};

/// What one add did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddSummary {
    /// Documents added.
    pub added: usize,
    /// Of those, documents that joined a story already in the index.
    pub joined: usize,
    /// Stories started.
    pub new_stories: usize,
    /// Stories folded into an older one.
    pub merged: usize,
    /// Stored documents replaced (`--replace`).
    pub replaced: usize,
    /// Stored documents moved to another story (the clustering of what was read back
    /// joined up or split a story).
    pub moved: usize,
}

/// An open index.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    settings: Settings,
}

impl Index {
    /// Opens the index at `path` to read it.
    ///
    /// # Errors
    /// [`Error::Index`] when there is no index there, when the file is no index or is
    /// damaged, or when its schema is newer than this build's.
    pub fn open(path: &Path) -> Result<Index, Error> {
        if !path.exists() {
            return Err(index_error(path, IndexError::Missing));
        }
        if path.is_dir() {
            return Err(index_error(path, IndexError::Directory));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite_error(path, &e))?;
        // A writer checkpointing its log holds the file for a moment: wait, not fail.
        conn.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(|e| sqlite_error(path, &e))?;
        Index::checked(conn, path)
    }

    /// Opens the index at `path` to add to it, creating it with `wanted` (and the defaults)
    /// when there is none; an existing index refuses settings other than its own.
    ///
    /// # Errors
    /// As [`Index::open`], and [`IndexError::Settings`] when `wanted` differs from the
    /// stored settings.
    pub fn open_for_adding(path: &Path, wanted: &Wanted) -> Result<Index, Error> {
        if path.is_dir() {
            return Err(index_error(path, IndexError::Directory));
        }
        // Refused before SQLite is asked: a process allowed to write anyway (root) must
        // still leave a file its owner marked read-only alone.
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
            return Err(index_error(path, IndexError::ReadOnly));
        }
        // Claimed if nobody has: only a file this run made is removed when making it fails.
        let made = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(index_error(path, IndexError::CannotOpen(e.to_string()))),
        };
        let forget = |e: Error| {
            if made {
                for end in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(end);
                    let _ = std::fs::remove_file(p);
                }
            }
            e
        };
        // Two first adds at once race to set the journal mode and make the schema; the
        // loser is told "busy" (or, mid-switch, an I/O error) and tries again.
        let mut tries = 0;
        let conn = loop {
            match connect_and_ensure(path, wanted) {
                Ok(conn) => break conn,
                Err(OpenError::Foreign) => {
                    let problem = IndexError::NotAnIndex("no storydedup tables".into());
                    return Err(forget(index_error(path, problem)));
                }
                Err(OpenError::Sqlite(e)) => {
                    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, SystemIoFailure};
                    let transient = matches!(
                        e.sqlite_error_code(),
                        Some(DatabaseBusy | DatabaseLocked | SystemIoFailure)
                    );
                    tries += 1;
                    if !transient || tries > 100 {
                        return Err(forget(sqlite_error(path, &e)));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
        };
        let index = Index::checked(conn, path)?;
        let differ = wanted.differences(&index.settings);
        if !differ.is_empty() {
            return Err(index_error(path, IndexError::Settings(differ.join(", "))));
        }
        Ok(index)
    }

    fn checked(conn: Connection, path: &Path) -> Result<Index, Error> {
        let meta: HashMap<String, String> = (|| {
            let mut stmt = conn.prepare("SELECT key, value FROM meta")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<HashMap<String, String>>>()
        })()
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.starts_with("no such table") => {
                index_error(path, IndexError::NotAnIndex("no storydedup tables".into()))
            }
            e => sqlite_error(path, &e),
        })?;
        let version: u32 = meta
            .get("schema")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| index_error(path, IndexError::NotAnIndex("no schema version".into())))?;
        if version > SCHEMA_VERSION {
            return Err(index_error(
                path,
                IndexError::NewerSchema {
                    found: version,
                    supported: SCHEMA_VERSION,
                },
            ));
        }
        // Term keys are hashes of this build's words and stems: counts kept by a build that
        // reads words otherwise would be mixed with keys that mean something else.
        let terms = meta.get("terms").and_then(|v| v.parse::<u32>().ok());
        if terms != Some(TERMS_VERSION) {
            let problem = IndexError::OtherTerms {
                found: terms.unwrap_or(0),
                supported: TERMS_VERSION,
            };
            return Err(index_error(path, problem));
        }
        let settings = Settings::from_entries(|k| meta.get(k).cloned()).ok_or_else(|| {
            index_error(path, IndexError::NotAnIndex("unreadable settings".into()))
        })?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
            settings,
        })
    }

    /// The index's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn fail(&self, e: &rusqlite::Error) -> Error {
        sqlite_error(&self.path, e)
    }

    /// Adds `new` (read as `cluster` reads its inputs) in one transaction: each document
    /// joins a story or starts one. An id already stored is refused unless `replace`, which
    /// replaces the stored document. A failure leaves the index as it was.
    ///
    /// # Errors
    /// [`InputError::DuplicateId`] for a stored id (without `replace`); [`Error::Index`] for
    /// a database that cannot be written.
    pub fn add(&mut self, new: Corpus, replace: bool, run: &Run<'_>) -> Result<AddSummary, Error> {
        let settings = self.settings.clone();
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| sqlite_error(&path, &e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut summary = AddSummary::default();
        // Ids already stored: refused, or replaced.
        let mut gone = Vec::new();
        {
            let mut find = tx
                .prepare("SELECT seq, origin FROM documents WHERE id = ?1")
                .map_err(fail)?;
            for doc in &new.docs {
                let found: Option<(i64, String)> = find
                    .query_row([&doc.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(fail)?;
                match found {
                    None => {}
                    Some((seq, _)) if replace => gone.push(seq),
                    Some((_, origin)) => {
                        return Err(Error::input(
                            doc.origin.clone(),
                            InputError::DuplicateId {
                                id: doc.id.clone(),
                                first: Position::file(format!(
                                    "{origin}, in the index {}",
                                    path.display()
                                )),
                            },
                        ));
                    }
                }
            }
        }
        // Stories whose documents change: their sizes, dates and titles are refreshed.
        let mut touched = std::collections::BTreeSet::new();
        let mut removed = Vec::new();
        let mut replaced: HashMap<String, u64> = HashMap::new();
        for &seq in &gone {
            let (story, doc) = remove(&tx, seq).map_err(fail)?;
            touched.insert(story);
            replaced.insert(doc.id.clone(), story);
            removed.push(doc);
        }
        if settings.score.measure == Measure::Story && !removed.is_empty() {
            update_counts(&tx, &crate::pipeline::story_counts(&removed), -1).map_err(fail)?;
        }
        summary.replaced = gone.len();
        let batch: i64 = tx
            .query_row("SELECT COALESCE(MAX(batch), 0) + 1 FROM batches", [], |r| {
                r.get(0)
            })
            .map_err(fail)?;
        let context = read_context(&tx, &settings, &new.docs).map_err(fail)?;
        let stored = context.len();
        let stored_stories: Vec<u64> = context.iter().map(|s| s.story).collect();
        // A new document that replaces a stored one votes for the story it had.
        let mut stories: Vec<Option<u64>> = stored_stories.iter().copied().map(Some).collect();
        stories.extend(new.docs.iter().map(|d| replaced.get(&d.id).copied()));
        let mut docs: Vec<Document> = context.into_iter().map(|s| s.doc).collect();
        docs.extend(new.docs);
        let corpus = Corpus::new(docs);
        let (report, added) = run.cluster_counted(
            &corpus,
            &settings.score,
            &settings.cluster,
            stored,
            &mut |keys| load_prior(&tx, keys).map_err(fail),
        )?;
        update_counts(&tx, &added, 1).map_err(fail)?;
        let mut next: i64 = tx
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_story'",
                [],
                |r| r.get(0),
            )
            .map_err(fail)?;
        let mut insert = tx
            .prepare(
                "INSERT INTO documents (id, story, similarity, title, source, date, day, url, \
                 text, origin, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(fail)?;
        // Each stored story read back whole may follow the new clustering (grow, merge,
        // split); one with members outside the documents read back keeps them.
        let whole = complete_stories(&tx, &stored_stories).map_err(fail)?;
        let numbers = assign_numbers(&report.clusters, &stories);
        let before: std::collections::BTreeSet<u64> = stories.iter().flatten().copied().collect();
        let mut moved = tx
            .prepare("UPDATE documents SET story = ?1, similarity = ?2 WHERE id = ?3")
            .map_err(fail)?;
        for (c, number) in report.clusters.iter().zip(numbers) {
            // A cluster without a story of its own starts one only if something lands in
            // it: a new document, or a stored one whose story was read back whole (the
            // members of other stories stay where they are).
            let lands = |m: &usize| *m >= stored || whole.contains(&stored_stories[*m]);
            if number.is_none() && !c.members.iter().any(lands) {
                continue;
            }
            let story = match number {
                Some(s) => s,
                None => {
                    let s = next as u64;
                    next += 1;
                    summary.new_stories += 1;
                    tx.execute(
                        "INSERT INTO stories (story, size, batch) VALUES (?1, 0, ?2)",
                        params![s as i64, batch],
                    )
                    .map_err(fail)?;
                    s
                }
            };
            for (k, &m) in c.members.iter().enumerate() {
                let d = &corpus.docs[m];
                if m < stored {
                    let was = stored_stories[m];
                    if was != story && whole.contains(&was) {
                        moved
                            .execute(params![story as i64, c.attachment[k], d.id])
                            .map_err(fail)?;
                        summary.moved += 1;
                        touched.insert(was);
                        touched.insert(story);
                    }
                    continue;
                }
                summary.added += 1;
                if number.is_some() {
                    summary.joined += 1;
                }
                touched.insert(story);
                insert
                    .execute(params![
                        d.id,
                        story as i64,
                        c.attachment[k],
                        d.title,
                        d.source,
                        d.date.map(|x| x.to_string()),
                        d.date.map(Date::days),
                        d.url,
                        d.text,
                        d.origin.to_string(),
                        batch,
                    ])
                    .map_err(fail)?;
            }
        }
        drop(moved);
        drop(insert);
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'next_story'",
            [next.to_string()],
        )
        .map_err(fail)?;
        refresh_stories(&tx, &touched).map_err(fail)?;
        // Stories read back that no longer exist: merged into others (or emptied by
        // --replace).
        let mut gone_stories = 0;
        for &story in &before {
            let found = tx
                .query_row(
                    "SELECT 1 FROM stories WHERE story = ?1",
                    [story as i64],
                    |_| Ok(()),
                )
                .optional()
                .map_err(fail)?;
            gone_stories += usize::from(found.is_none());
        }
        summary.merged = gone_stories;
        tx.execute(
            "INSERT INTO batches (batch, added, joined, new_stories, merged, replaced) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                batch,
                summary.added as i64,
                summary.joined as i64,
                summary.new_stories as i64,
                summary.merged as i64,
                summary.replaced as i64
            ],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(summary)
    }

    /// The story each document of `docs` would join, writing nothing.
    ///
    /// # Errors
    /// [`Error::Index`] when the index cannot be read.
    pub fn query(&self, docs: Corpus, run: &Run<'_>) -> Result<Vec<Suggestion>, Error> {
        // One read transaction: one snapshot of the index (a concurrent add commits
        // wholly before or after it) and one lock for all the reads.
        let snapshot = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.fail(&e))?;
        // A document stored already is answered with its story as stored.
        let mut known: HashMap<String, Suggestion> = HashMap::new();
        {
            let mut find = snapshot
                .prepare("SELECT story, similarity FROM documents WHERE id = ?1")
                .map_err(|e| self.fail(&e))?;
            for d in &docs.docs {
                let found: Option<(i64, Option<f64>)> = find
                    .query_row([&d.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(|e| self.fail(&e))?;
                if let Some((story, similarity)) = found {
                    let answer = Suggestion {
                        id: d.id.clone(),
                        story: Some(story as u64),
                        similarity,
                        title: d.title.clone(),
                    };
                    known.insert(d.id.clone(), answer);
                }
            }
        }
        let order: Vec<String> = docs.docs.iter().map(|d| d.id.clone()).collect();
        let fresh: Vec<Document> = docs
            .docs
            .into_iter()
            .filter(|d| !known.contains_key(&d.id))
            .collect();
        if !fresh.is_empty() {
            let context =
                read_context(&snapshot, &self.settings, &fresh).map_err(|e| self.fail(&e))?;
            let stored = context.len();
            let mut stories: Vec<Option<u64>> = context.iter().map(|s| Some(s.story)).collect();
            stories.resize(stored + fresh.len(), None);
            let mut all: Vec<Document> = context.into_iter().map(|s| s.doc).collect();
            all.extend(fresh);
            let corpus = Corpus::new(all);
            let conn: &Connection = &snapshot;
            let (report, _) = run.cluster_counted(
                &corpus,
                &self.settings.score,
                &self.settings.cluster,
                stored,
                &mut |keys| load_prior(conn, keys).map_err(|e| sqlite_error(&self.path, &e)),
            )?;
            let numbers = assign_numbers(&report.clusters, &stories);
            for (c, story) in report.clusters.iter().zip(numbers) {
                for (k, &m) in c.members.iter().enumerate().filter(|(_, m)| **m >= stored) {
                    let d = &corpus.docs[m];
                    let answer = Suggestion {
                        id: d.id.clone(),
                        story,
                        similarity: story.and(c.attachment[k]),
                        title: d.title.clone(),
                    };
                    known.insert(d.id.clone(), answer);
                }
            }
        }
        drop(snapshot);
        Ok(order
            .into_iter()
            .filter_map(|id| known.remove(&id))
            .collect())
    }

    /// Every stored document and the current stories, in `cluster`'s report model: each
    /// story is a cluster numbered by its story number, in number order.
    ///
    /// # Errors
    /// [`Error::Index`] when the index cannot be read.
    pub fn clusters(&self, run: &Run<'_>) -> Result<(Corpus, ClusterReport), Error> {
        let all = read_where(&self.conn, "1 = 1", []).map_err(|e| self.fail(&e))?;
        let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
        let mut at: HashMap<u64, usize> = HashMap::new();
        for (i, s) in all.iter().enumerate() {
            let g = *at.entry(s.story).or_insert_with(|| {
                groups.push((s.story, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        groups.sort_by_key(|g| g.0);
        let numbers: Vec<u64> = groups.iter().map(|g| g.0).collect();
        let corpus = Corpus::new(all.into_iter().map(|s| s.doc).collect());
        let mut report = run.describe(
            &corpus,
            &self.settings.score,
            &self.settings.cluster,
            groups.into_iter().map(|g| g.1).collect(),
        );
        for (c, n) in report.clusters.iter_mut().zip(numbers) {
            c.number = n as usize;
        }
        Ok((corpus, report))
    }

    /// What the index holds.
    ///
    /// # Errors
    /// [`Error::Index`] when the index cannot be read.
    pub fn stats(&self) -> Result<Stats, Error> {
        let one = |sql: &str| -> Result<u64, Error> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|v| v as u64)
                .map_err(|e| self.fail(&e))
        };
        let pick = |sql: &str| -> Result<Option<String>, Error> {
            self.conn
                .query_row(sql, [], |r| r.get(0))
                .optional()
                .map_err(|e| self.fail(&e))
        };
        let first =
            pick("SELECT date FROM documents WHERE day IS NOT NULL ORDER BY day, seq LIMIT 1")?;
        let last = pick(
            "SELECT date FROM documents WHERE day IS NOT NULL ORDER BY day DESC, seq LIMIT 1",
        )?;
        let dates = first.zip(last);
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        Ok(Stats {
            documents: one("SELECT COUNT(*) FROM documents")?,
            stories: one("SELECT COUNT(*) FROM stories")?,
            multi: one("SELECT COUNT(*) FROM stories WHERE size > 1")?,
            batches: one("SELECT COUNT(*) FROM batches")?,
            dates,
            bytes: size(&self.path) + size(Path::new(&wal)),
            parameters: Parameters {
                measure: self.settings.score.measure,
                threshold: self.settings.cluster.threshold,
                linkage: self.settings.cluster.linkage,
                shingle: self.settings.score.shingle,
                window_days: self.settings.score.window_days,
            },
        })
    }
}

/// Why an index could not be opened for adding.
enum OpenError {
    Foreign,
    Sqlite(rusqlite::Error),
}

/// Opens `path` for writing and makes sure it holds an index ([`ensure_schema`]).
fn connect_and_ensure(path: &Path, wanted: &Wanted) -> Result<Connection, OpenError> {
    let mut conn = Connection::open(path).map_err(OpenError::Sqlite)?;
    conn.busy_timeout(std::time::Duration::from_secs(60))
        .map_err(OpenError::Sqlite)?;
    // 64 MB of page cache: an add reads back a window of documents and thousands of term
    // counts, and writes as many.
    conn.pragma_update(None, "cache_size", -65_536)
        .map_err(OpenError::Sqlite)?;
    match ensure_schema(&mut conn, &wanted.settings()).map_err(OpenError::Sqlite)? {
        Schema::Found | Schema::Made => Ok(conn),
        Schema::Foreign => Err(OpenError::Foreign),
    }
}
