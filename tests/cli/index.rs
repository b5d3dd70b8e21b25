//! Issue 15: the live story index (`index add|query|clusters|stats`).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{clusters_of, root, run};
use storydedup::eval::agreement;

/// The fixture's records, each as its JSON line, sorted by date (then id).
fn dated_lines(set: &str) -> Vec<(String, String)> {
    let text = fs::read_to_string(root().join("fixtures").join(set).join("articles.jsonl"))
        .expect("fixture");
    let mut lines: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let key = format!(
                "{} {}",
                v["date"].as_str().unwrap_or("9999"),
                v["id"].as_str().unwrap()
            );
            (key, l.to_owned())
        })
        .collect();
    lines.sort();
    lines
}

/// Writes `lines` into `n` batch files of `dir`, in order.
fn batches(dir: &Path, lines: &[(String, String)], n: usize) -> Vec<String> {
    let per = lines.len().div_ceil(n);
    lines
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let path = dir.join(format!("batch{i}.jsonl"));
            let body: Vec<&str> = chunk.iter().map(|(_, l)| l.as_str()).collect();
            fs::write(&path, body.join("\n") + "\n").unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect()
}

fn truth(set: &str) -> HashMap<String, String> {
    let text = fs::read_to_string(root().join("fixtures").join(set).join("truth.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

fn ari(truth: &HashMap<String, String>, clusters: &[(String, String)]) -> f64 {
    let (t, p): (Vec<&str>, Vec<&str>) = clusters
        .iter()
        .map(|(id, c)| (truth[id].as_str(), c.as_str()))
        .unzip();
    agreement(&t, &p).ari
}

fn db_in(dir: &Path) -> String {
    dir.join("stories.db").to_string_lossy().into_owned()
}

fn index_csv(db: &str) -> String {
    let (code, out, err) = run(&["index", "clusters", "--db", db, "-f", "csv", "-q"]);
    assert_eq!(code, 0, "{err}");
    out
}

/// The story of each id, from `index clusters -f csv`.
fn stories_of(db: &str) -> HashMap<String, String> {
    clusters_of(&index_csv(db)).into_iter().collect()
}

#[test]
fn issue_15_five_batches_in_date_order_match_one_cluster_run() {
    for set in ["events4", "news", "events3"] {
        let dir = tempfile::tempdir().unwrap();
        let db = db_in(dir.path());
        let lines = dated_lines(set);
        for batch in batches(dir.path(), &lines, 5) {
            let (code, out, err) = run(&["index", "add", "--db", &db, &batch, "-q"]);
            assert_eq!(code, 0, "{set}: {err}");
            assert!(out.starts_with("added "), "{out}");
        }
        let indexed = clusters_of(&index_csv(&db));
        // Every document exactly once.
        let mut ids: Vec<&str> = indexed.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!((before, ids.len()), (lines.len(), lines.len()), "{set}");
        let input = format!("fixtures/{set}/articles.jsonl");
        let (code, once, err) = run(&["cluster", &input, "-f", "csv", "-q"]);
        assert_eq!(code, 0, "{err}");
        let truth = truth(set);
        let (a, b) = (ari(&truth, &indexed), ari(&truth, &clusters_of(&once)));
        assert!((a - b).abs() <= 0.02, "{set}: index {a:.4}, one run {b:.4}");
        assert!(a > 0.9, "{set}: {a}");
    }
}

/// The number written just before `phrase` in an add's summary line.
fn number_before(line: &str, phrase: &str) -> usize {
    let head = &line[..line
        .find(phrase)
        .unwrap_or_else(|| panic!("{phrase:?} in {line}"))];
    let word = head.rsplit(' ').next().unwrap_or_default().replace(',', "");
    word.parse()
        .unwrap_or_else(|_| panic!("a number before {phrase:?} in {line}"))
}

#[test]
fn issue_15_story_numbers_stay_and_the_summary_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let lines = dated_lines("events4");
    // Early stories first, then the rest: the first add's numbers must survive the second.
    let files = batches(dir.path(), &lines, 2);
    let (code, out, err) = run(&["index", "add", "--db", &db, &files[0], "-q"]);
    assert_eq!(code, 0, "{err}");
    let first = stories_of(&db);
    assert!(
        out.contains(&format!("added {} documents", first.len())),
        "{out}"
    );
    let (code, out, err) = run(&["index", "add", "--db", &db, &files[1], "-q"]);
    assert_eq!(code, 0, "{err}");
    let second = stories_of(&db);
    // A story keeps its number, or merges whole into an older one (a story the first add
    // split, joined up once the rest of the collection is known).
    let mut became: HashMap<&str, &str> = HashMap::new();
    for (id, story) in &first {
        let now = second[id].as_str();
        let was = *became.entry(story.as_str()).or_insert(now);
        assert_eq!(was, now, "story {story} split");
        assert!(
            now.parse::<u32>().unwrap() <= story.parse::<u32>().unwrap(),
            "{id}"
        );
    }
    let kept = became.iter().filter(|(a, b)| a == b).count();
    assert!(
        kept * 10 >= became.len() * 8,
        "most stories keep their numbers: {became:?}"
    );
    assert_eq!(second.len(), lines.len());
    // The summary's counts agree with what the index now holds.
    let new_stories = number_before(&out, " new stories");
    let distinct = |m: &HashMap<String, String>| {
        let mut s: Vec<&String> = m.values().collect();
        s.sort();
        s.dedup();
        s.len()
    };
    let merged = if out.contains(" stories merged") {
        number_before(&out, " stories merged")
    } else {
        0
    };
    assert_eq!(
        distinct(&first) + new_stories - merged,
        distinct(&second),
        "{out}"
    );
    let (code, stats, _) = run(&["index", "stats", "--db", &db]);
    assert_eq!(code, 0);
    assert!(
        stats.contains(&format!("documents  {}", lines.len())),
        "{stats}"
    );
    assert!(stats.contains("batches    2"), "{stats}");
    assert!(stats.contains("measure story"), "{stats}");
}

#[test]
fn issue_15_query_names_the_story_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let lines = dated_lines("events4");
    // Hold back one report of a story and one whole story.
    let held = lines
        .iter()
        .position(|(_, l)| l.contains("\"f03-c\""))
        .unwrap();
    let other: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].1.contains("\"f04-"))
        .collect();
    let stored: Vec<(String, String)> = (0..lines.len())
        .filter(|i| *i != held && !other.contains(i))
        .map(|i| lines[i].clone())
        .collect();
    let file = batches(dir.path(), &stored, 1).remove(0);
    assert_eq!(run(&["index", "add", "--db", &db, &file, "-q"]).0, 0);
    let before = fs::read(&db).unwrap();
    let stories = stories_of(&db);
    let asked = dir.path().join("asked.jsonl");
    let mut body = vec![lines[held].1.clone()];
    body.extend(other.iter().map(|&i| lines[i].1.clone()));
    fs::write(&asked, body.join("\n")).unwrap();
    let asked = asked.to_string_lossy().into_owned();
    let (code, out, err) = run(&["index", "query", "--db", &db, &asked, "-f", "csv", "-q"]);
    assert_eq!(code, 0, "{err}");
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "cluster", "similarity", "title"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1 + other.len());
    assert_eq!(&rows[0][0], "f03-c");
    assert_eq!(&rows[0][1], stories["f03-a"].as_str(), "{out}");
    assert!(rows[0][2].parse::<f64>().unwrap() > 0.3, "{out}");
    for r in &rows[1..] {
        assert_eq!(&r[1], "", "a story the index does not hold: {out}");
    }
    assert_eq!(fs::read(&db).unwrap(), before, "query wrote to the index");
    let (code, json, _) = run(&["index", "query", "--db", &db, &asked, "-f", "json", "-q"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v[0]["cluster"].as_u64().map(|n| n.to_string()),
        Some(stories["f03-a"].clone())
    );
    assert!(v[1]["cluster"].is_null());
}

/// Runs `args`, expecting one `storydedup: <db>: ...` line and exit code 2, with the
/// database file's bytes unchanged.
fn refused(db: &str, args: &[&str], says: &str) {
    let before = fs::read(db).ok();
    let (code, out, err) = run(args);
    assert_eq!(code, 2, "{args:?}: {out}{err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("storydedup: "), "{err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(!err.contains("panicked"));
    assert_eq!(fs::read(db).ok(), before, "{args:?} changed the database");
}

#[test]
fn issue_15_duplicates_settings_and_bad_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let lines = dated_lines("news");
    let file = batches(dir.path(), &lines, 1).remove(0);
    assert_eq!(run(&["index", "add", "--db", &db, &file, "-q"]).0, 0);
    // A stored id: both places named.
    let again = dir.path().join("again.jsonl");
    fs::write(&again, &lines[3].1).unwrap();
    let again = again.to_string_lossy().into_owned();
    refused(
        &db,
        &["index", "add", "--db", &db, &again, "-q"],
        "duplicate id",
    );
    let (_, _, err) = run(&["index", "add", "--db", &db, &again, "-q"]);
    assert!(
        err.contains("again.jsonl:1") && err.contains("batch0.jsonl:"),
        "{err}"
    );
    // Other settings than the index's own.
    refused(
        &db,
        &["index", "add", "--db", &db, &again, "-t", "0.3", "-q"],
        "threshold 0.45 (asked 0.3)",
    );
    // `--replace` takes the new copy.
    let (code, out, err) = run(&["index", "add", "--db", &db, &again, "--replace", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 replaced") && out.contains(&format!("{} documents in", lines.len())),
        "{out}"
    );
    // Files that are no index, a damaged one, a newer schema, a read-only one, none.
    let text = dir.path().join("notes.txt");
    fs::write(&text, "just some notes, not a database\n".repeat(200)).unwrap();
    let text = text.to_string_lossy().into_owned();
    refused(
        &text,
        &["index", "add", "--db", &text, &again, "-q"],
        "not a storydedup index",
    );
    refused(
        &text,
        &["index", "clusters", "--db", &text],
        "not a storydedup index",
    );
    let damaged = dir.path().join("damaged.db");
    let mut bytes = fs::read(&db).unwrap();
    for b in bytes.iter_mut().skip(100).step_by(7) {
        *b ^= 0x5a;
    }
    fs::write(&damaged, &bytes).unwrap();
    let damaged = damaged.to_string_lossy().into_owned();
    refused(
        &damaged,
        &["index", "stats", "--db", &damaged],
        &format!("{damaged}: "),
    );
    refused(
        &damaged,
        &["index", "add", "--db", &damaged, &again, "-q"],
        &format!("{damaged}: "),
    );
    let newer = dir.path().join("newer.db");
    fs::copy(&db, &newer).unwrap();
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'", [])
            .unwrap();
    }
    let newer = newer.to_string_lossy().into_owned();
    refused(
        &newer,
        &["index", "add", "--db", &newer, &again, "-q"],
        "newer storydedup (schema 99",
    );
    refused(
        &newer,
        &["index", "query", "--db", &newer, &again],
        "newer storydedup",
    );
    let locked = dir.path().join("locked.db");
    fs::copy(&db, &locked).unwrap();
    let mut perms = fs::metadata(&locked).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&locked, perms).unwrap();
    let locked = locked.to_string_lossy().into_owned();
    refused(
        &locked,
        &["index", "add", "--db", &locked, &again, "--replace", "-q"],
        "read-only",
    );
    // Reading a read-only index is fine.
    assert_eq!(run(&["index", "stats", "--db", &locked]).0, 0);
    let none = dir.path().join("none.db").to_string_lossy().into_owned();
    for cmd in ["clusters", "stats"] {
        let (code, _, err) = run(&["index", cmd, "--db", &none]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("no index here"), "{err}");
    }
    assert!(!Path::new(&none).exists(), "reading made an index");
}

/// Writes `n` generated articles, none like another, dated `day` (2026-01-DD).
fn generated(path: &Path, n: usize, prefix: &str, day: u32) {
    let mut state = 0x2545_F491_4F6C_DD1Du64 ^ (day as u64);
    let mut word = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        format!("w{:x}", state % 1_000_000)
    };
    let mut out = String::new();
    for i in 0..n {
        let text: Vec<String> = (0..120).map(|_| word()).collect();
        out.push_str(
            &serde_json::json!({
                "id": format!("{prefix}{i}"),
                "date": format!("2026-01-{day:02}"),
                "text": text.join(" "),
            })
            .to_string(),
        );
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

fn wal_len(db: &str) -> u64 {
    fs::metadata(format!("{db}-wal")).map_or(0, |m| m.len())
}

#[test]
fn issue_15_a_killed_add_leaves_the_earlier_batches_and_readers_see_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let small = dir.path().join("small.jsonl");
    generated(&small, 50, "a", 5);
    let small = small.to_string_lossy().into_owned();
    assert_eq!(
        run(&["index", "add", "--db", &db, "-m", "jaccard", &small, "-q"]).0,
        0
    );
    let before = index_csv(&db);
    let big = dir.path().join("big.jsonl");
    generated(&big, 40_000, "b", 6);
    let mut child = bin_std()
        .args(["index", "add", "--db", &db, big.to_str().unwrap(), "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the add is writing its transaction (its pages spill into the log), and
    // kill it there and then: a reader asked first could take long enough on a busy
    // machine for the add to commit before the kill.
    let start = Instant::now();
    let mut seen_writing = false;
    while start.elapsed() < Duration::from_secs(240) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if wal_len(&db) > 4 << 20 {
            seen_writing = true;
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen_writing,
        "the add finished before it could be interrupted"
    );
    // A reader of the log the killed add left sees the last committed state.
    assert!(wal_len(&db) > 0);
    assert_eq!(index_csv(&db), before, "a reader saw an uncommitted add");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let docs: i64 = conn
        .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(docs, 50);
    drop(conn);
    assert_eq!(index_csv(&db), before);
    // And the index takes the next add as if nothing had happened.
    let next = dir.path().join("next.jsonl");
    generated(&next, 10, "c", 7);
    let (code, out, err) = run(&["index", "add", "--db", &db, next.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("60 documents"), "{out}");
}

fn bin_std() -> std::process::Command {
    let path: PathBuf = assert_cmd::cargo::cargo_bin("storydedup");
    let mut cmd = std::process::Command::new(path);
    cmd.current_dir(root());
    cmd
}

#[test]
fn issue_15_clusters_come_in_clusters_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    assert_eq!(run(&["index", "add", "--db", &db, "seeds/", "-q"]).0, 0);
    let (code, table, _) = run(&["index", "clusters", "--db", &db]);
    assert_eq!(code, 0);
    let (_, once, _) = run(&["cluster", "seeds/"]);
    assert_eq!(table, once, "the seeds: one story, as `cluster` shows it");
    let (code, json, _) = run(&["index", "clusters", "--db", &db, "-f", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["clusters"][0]["members"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(
        !v["clusters"][0]["shared_terms"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let out = dir.path().join("stories.csv");
    let (code, _, _) = run(&[
        "index",
        "clusters",
        "--db",
        &db,
        "-f",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let (_, once_csv, _) = run(&["cluster", "seeds/", "-f", "csv"]);
    assert_eq!(fs::read_to_string(out).unwrap(), once_csv);
}

#[test]
fn issue_15_replacing_stored_documents_and_asking_about_them_keeps_their_stories() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let lines = dated_lines("events4");
    let files = batches(dir.path(), &lines, 2);
    for f in &files {
        assert_eq!(run(&["index", "add", "--db", &db, f, "-q"]).0, 0);
    }
    let before = stories_of(&db);
    // The first day again, unchanged, with --replace: every story keeps its number.
    let (code, out, err) = run(&["index", "add", "--db", &db, &files[0], "--replace", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(" replaced"), "{out}");
    assert_eq!(stories_of(&db), before);
    // Asked about, stored documents answer with their stories.
    let (code, out, _) = run(&["index", "query", "--db", &db, &files[1], "-f", "csv", "-q"]);
    assert_eq!(code, 0);
    let answers = clusters_of(&out);
    assert!(!answers.is_empty());
    for (id, story) in answers {
        assert_eq!(story, before[&id], "{id}");
    }
}

#[test]
fn issue_15_quiet_days_directories_and_missing_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let empty = dir.path().join("empty.jsonl");
    fs::write(&empty, "").unwrap();
    let empty = empty.to_string_lossy().into_owned();
    // A day without news adds nothing and is no error (a cron job goes on).
    let (code, out, err) = run(&["index", "add", "--db", &db, &empty, "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("added 0 documents"), "{out}");
    let (code, json, _) = run(&["index", "stats", "--db", &db, "-f", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (v["documents"].as_u64(), v["stories"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(v["settings"]["measure"], "story");
    // A missing input is still refused.
    let missing = dir
        .path()
        .join("missing.jsonl")
        .to_string_lossy()
        .into_owned();
    refused(
        &db,
        &["index", "add", "--db", &db, &missing, "-q"],
        "missing.jsonl",
    );
    // A directory where the file should be.
    let folder = dir.path().to_string_lossy().into_owned();
    for cmd in [
        vec!["index", "stats", "--db", &folder],
        vec!["index", "add", "--db", &folder, &empty],
    ] {
        let (code, _, err) = run(&cmd);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is a directory"), "{err}");
    }
    let (code, _, err) = run(&["index"]);
    assert_eq!(code, 2);
    assert!(err.contains("add, query, clusters or stats"), "{err}");
}

#[test]
fn issue_15_two_first_adds_at_once_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dated_lines("news");
    let halves = batches(dir.path(), &lines, 2);
    for round in 0..5 {
        let db = dir.path().join(format!("race{round}.db"));
        let db = db.to_string_lossy().into_owned();
        let spawn = |file: &str| {
            bin_std()
                .args(["index", "add", "--db", &db, file, "-q"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(&halves[0]), spawn(&halves[1]));
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {err}");
        }
        assert_eq!(stories_of(&db).len(), lines.len(), "round {round}");
    }
}
