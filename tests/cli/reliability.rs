//! Issue 6, reliability and security: refusals that are one clear line and touch no
//! output, messy input kept whole, byte-identical output at any thread count, clean
//! interruption, and hostile documents that stay text in every output.

use super::*;

use std::collections::{BTreeMap, BTreeSet};

/// Runs the binary with extra environment; returns (exit code, stdout, stderr).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = bin();
    cmd.args(args).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic in {args:?}: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Names of the entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The full refusal contract, for a run with `-o`: exit 2, nothing on stdout, one stderr
/// line starting `storydedup: <where_>` and containing `what`, an existing output file
/// unchanged, and no file added to its directory.
fn assert_refused_with_output(args: &[&str], env: &[(&str, &str)], where_: &str, what: &str) {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("existing.out");
    fs::write(&target, "previous result\n").unwrap();
    let t = target.to_string_lossy().into_owned();
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["-o", &t]);
    let (code, out, err) = run_env(&full, env);
    assert_one_line_refusal(&full, (code, &out, &err), where_, what);
    assert_eq!(fs::read_to_string(&target).unwrap(), "previous result\n");
    assert_eq!(entries(out_dir.path()), ["existing.out"], "{full:?}");
}

#[test]
fn issue_6_every_refusal_leaves_an_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |name: &str, content: &[u8]| write(d, name, content);
    let shown = |name: &str| d.join(name).to_string_lossy().into_owned();
    let good = "{\"id\":\"ok\",\"text\":\"fine words here\"}\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(good.repeat(200).as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let dup_first = format!(
        "duplicate id \"ok\" (first seen at {})",
        shown("dup.jsonl:1")
    );
    let cases: Vec<(String, String, &str)> = vec![
        (
            shown("missing.jsonl"),
            shown("missing.jsonl"),
            "no such file",
        ),
        (
            p(
                "malformed.jsonl",
                format!("{good}{{\"text\": \"a\",,}}\n").as_bytes(),
            ),
            shown("malformed.jsonl:2"),
            "not valid JSON",
        ),
        (
            p("scalar.jsonl", b"\"just a string\"\n"),
            shown("scalar.jsonl:1"),
            "expected a JSON object, found a string",
        ),
        (
            p("notext.jsonl", b"{\"id\":\"a\",\"body\":\"x\"}\n"),
            shown("notext.jsonl:1"),
            "no `text` field",
        ),
        (
            p("textlist.jsonl", b"{\"text\":[\"a\"]}\n"),
            shown("textlist.jsonl:1"),
            "field `text` must be a string, found a list",
        ),
        (
            p("idnull.jsonl", b"{\"id\":null,\"text\":\"t\"}\n"),
            shown("idnull.jsonl:1"),
            "field `id` must be a string or a number, found null",
        ),
        (
            p("idlist.jsonl", b"{\"id\":[\"a\"],\"text\":\"t\"}\n"),
            shown("idlist.jsonl:1"),
            "found a list",
        ),
        (
            p("idobj.jsonl", b"{\"id\":{\"v\":1},\"text\":\"t\"}\n"),
            shown("idobj.jsonl:1"),
            "found an object",
        ),
        (
            p("dup.jsonl", format!("{good}{good}").as_bytes()),
            shown("dup.jsonl:2"),
            &dup_first,
        ),
        (
            p("notextcol.csv", b"id,body\n1,x\n"),
            shown("notextcol.csv:1"),
            "no `text` column (columns: id,body)",
        ),
        (
            p("quote.csv", b"id,text\n1,\"never closed\n2,b\n"),
            shown("quote.csv:2"),
            "unbalanced quote",
        ),
        (
            p("trunc.jsonl.gz", &gz[..gz.len() / 2]),
            shown("trunc.jsonl.gz"),
            "truncated gzip data",
        ),
        (
            p("notgz.jsonl.gz", b"plain text, not gzip"),
            shown("notgz.jsonl.gz"),
            "corrupt gzip data",
        ),
        (
            p("blank.jsonl", b"\n \n"),
            shown("blank.jsonl"),
            "no documents",
        ),
    ];
    for (input, where_, what) in &cases {
        for command in ["cluster", "matrix", "report"] {
            assert_refused_with_output(&[command, input], &[], where_, what);
        }
    }
    fs::create_dir(d.join("noarticles")).unwrap();
    p("noarticles/photo.png", b"\x89PNG");
    p("noarticles/.hidden.txt", b"hidden text");
    let empty = shown("noarticles");
    assert_refused_with_output(&["cluster", &empty], &[], &empty, "no articles found");
}

#[test]
fn issue_6_a_duplicate_id_names_both_files_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.jsonl",
        b"{\"id\":\"x1\",\"text\":\"one\"}\n{\"id\":\"dup\",\"text\":\"two\"}\n",
    );
    let b = write(dir.path(), "b.csv", b"id,text\nother,three\ndup,four\n");
    assert_refused_with_output(
        &["cluster", &a, &b],
        &[],
        &format!("{b}:3"),
        &format!("duplicate id \"dup\" (first seen at {a}:2)"),
    );
}

#[test]
fn issue_6_an_unreadable_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let locked = write(dir.path(), "locked.jsonl", b"{\"text\":\"secret\"}\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    }
    // Root reads any file whatever its mode; then use a file no one can read: the
    // process's own /proc/self/mem fails with EIO at offset 0.
    let (input, what) = if fs::File::open(&locked).is_ok() {
        ("/proc/self/mem".to_owned(), "cannot read: ")
    } else {
        (locked.clone(), "cannot read: Permission denied")
    };
    if Path::new(&input).exists() {
        assert_refused_with_output(&["cluster", &input], &[], &input, what);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn issue_6_bad_options_are_refused_before_any_output() {
    let seeds = "seeds/";
    for (args, what) in [
        (
            vec!["cluster", "-t", "1.01", seeds],
            "--threshold must be between 0 and 1",
        ),
        (vec!["cluster", "-t", "-0.1", seeds], "--threshold"),
        (
            vec!["cluster", "-t", "NaN", seeds],
            "--threshold must be between 0 and 1, got NaN",
        ),
        (vec!["report", "-t", "2", seeds], "--threshold"),
        (
            vec!["cluster", "--window", "36501", seeds],
            "--window must be at most 36500",
        ),
        (vec!["matrix", "--window", "-1", seeds], "--window"),
        (
            vec!["matrix", "--min-score", "1.5", seeds],
            "--min-score must be between 0 and 1",
        ),
        (
            vec!["cluster", "--shingle", "word:0", seeds],
            "--shingle \"word:0\": expected word:K or char:K",
        ),
        (vec!["cluster", "--shingle", "char:65", seeds], "--shingle"),
        (vec!["cluster", "--shingle", "line:3", seeds], "--shingle"),
        (vec!["matrix", "--shingle", "word", seeds], "--shingle"),
        (
            vec!["cluster", "--threads", "1025", seeds],
            "--threads must be between 1 and 1024",
        ),
        (
            vec!["cluster", "--linkage", "complete", seeds],
            "invalid value 'complete'",
        ),
        (
            vec![
                "diff",
                "--width",
                "39",
                "seeds/000_caa04d0a8aee422f.txt",
                "seeds/004_4b38f16243b578f4.txt",
            ],
            "--width must be between 40 and 1000",
        ),
        (
            vec![
                "diff",
                "--window",
                "99999",
                "seeds/000_caa04d0a8aee422f.txt",
                "seeds/004_4b38f16243b578f4.txt",
            ],
            "--window",
        ),
    ] {
        assert_refused_with_output(&args, &[], "", what);
    }
}

#[test]
fn issue_6_an_output_directory_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/out.csv");
    let m = missing.to_string_lossy().into_owned();
    for args in [
        vec!["cluster", "-f", "csv", "-o", &m, "seeds/"],
        vec!["matrix", "-o", &m, "seeds/"],
        vec!["report", "-o", &m, "seeds/"],
        vec![
            "diff",
            "-o",
            &m,
            "seeds/000_caa04d0a8aee422f.txt",
            "seeds/004_4b38f16243b578f4.txt",
        ],
    ] {
        assert_refused(&args, None, &m, "does not exist");
    }
    assert_eq!(entries(dir.path()), Vec::<String>::new(), "nothing created");
}

#[test]
fn issue_6_diff_with_an_absent_id_names_it() {
    let corpus = "fixtures/news/articles.jsonl";
    for (left, right) in [
        ("n36-harbor-ledger", "absent-id"),
        ("absent-id", "n36-harbor-ledger"),
    ] {
        assert_refused_with_output(
            &["diff", "--corpus", corpus, left, right],
            &[],
            corpus,
            "no document with id \"absent-id\" (67 documents read)",
        );
    }
}

#[test]
fn issue_6_a_dense_matrix_larger_than_memory_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: String = (0..40)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"harbor bridge item {i}\"}}\n"))
        .collect();
    // A document with a warning: the refusal must still be the only line on stderr.
    lines.push_str("{\"id\":\"empty\",\"text\":\"\"}\n");
    let input = write(dir.path(), "in.jsonl", lines.as_bytes());
    // 41 x 41 cells of 8 bytes = 13,448 bytes, above a 10,000-byte ceiling.
    let limit = [("STORYDEDUP_MEMORY_LIMIT", "10000")];
    assert_refused_with_output(
        &["matrix", &input],
        &limit,
        "matrix -f dense of 41 documents is 1681 cells: about 13.4 KB to hold",
        "10.0 KB of memory is available; use -f long",
    );
    // The long form streams pairs and is not refused; nor is a dense matrix that fits.
    let (code, out, err) = run_env(&["matrix", "-f", "long", &input], &limit);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 41 * 40 / 2);
    assert!(err.contains("has an empty text"), "{err}");
    let (code, out, _) = run_env(&["matrix", &input], &[("STORYDEDUP_MEMORY_LIMIT", "13448")]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 42);
}

/// Messy documents a scraper produces, as JSONL lines (raw bytes: one holds invalid UTF-8).
fn messy_jsonl() -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = vec![
        "\u{feff}{\"id\":\"bom\",\"text\":\"Byte order mark first. The harbor bridge closed.\"}".into(),
        "{\"id\":\"crlf\",\"text\":\"Line one.\\r\\nLine two about the harbor bridge.\\r\\n\"}\r".into(),
        "{\"id\":\"nul\",\"text\":\"Nul\\u0000bytes\\u0000inside the harbor bridge story.\"}".into(),
        "{\"id\":\"html\",\"title\":\"<b>Bold</b> &amp; brave\",\"text\":\"<p>Mayor <i>Vance</i> said &quot;no&quot; &#8212; twice.</p><script>x()</script>\"}".into(),
        "{\"id\":\"invisible\",\"text\":\"zero\\u200bwidth\\u200c and bidi \\u202eoverride\\u202c and \\u2066isolate\\u2069 text\"}".into(),
        "{\"id\":\"emoji\",\"text\":\"Fans cheered 🎉🏟️ as the 👩‍👩‍👧 family arrived. 🇺🇦\"}".into(),
        "{\"id\":\"cjk\",\"title\":\"東京の橋\",\"text\":\"東京都は月曜日に新しい橋を開通させた。市長が式典に出席した。\"}".into(),
        "{\"id\":\"empty\",\"text\":\"\"}".into(),
        "{\"id\":\"spaces\",\"text\":\"   \\n\\t  \"}".into(),
        "{\"id\":\"extra\",\"text\":\"Extra fields are ignored.\",\"tags\":[1,{\"a\":null}],\"score\":0.5,\"nested\":{\"x\":[]}}".into(),
        "{\"id\":42,\"text\":\"A numeric id.\"}".into(),
        "{\"id\":1e2,\"text\":\"A float id.\"}".into(),
        "{\"text\":\"No id at all, so the file name and line.\"}".into(),
    ];
    let mut bad = b"{\"id\":\"latin1\",\"text\":\"Caf".to_vec();
    bad.extend_from_slice(b"\xe9 cr\xe8me br\xfbl\xe9e\"}");
    lines.push(bad);
    lines.join(&b'\n')
}

const MESSY_IDS: [&str; 14] = [
    "bom",
    "crlf",
    "nul",
    "html",
    "invisible",
    "emoji",
    "cjk",
    "empty",
    "spaces",
    "extra",
    "42",
    "100",
    "messy.jsonl:13",
    "latin1",
];

/// Every id of `expected` once in `got`, and nothing else.
fn assert_each_once(got: &[String], expected: &[&str], what: &str) {
    let mut g = got.to_vec();
    g.sort();
    let mut e: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    e.sort();
    assert_eq!(g, e, "{what}");
}

#[test]
fn issue_6_messy_input_keeps_every_document_once_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "messy.jsonl", &messy_jsonl());
    let (code, csv_out, err) = run(&["cluster", "-f", "csv", "--verbose", &input]);
    assert_eq!(code, 0, "{err}");
    let rows = clusters_of(&csv_out);
    let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    assert_each_once(&ids, &MESSY_IDS, "cluster -f csv");
    assert!(
        err.contains(&format!("{input}:14: invalid UTF-8 at byte 26 of the line")),
        "{err}"
    );
    assert!(
        err.contains("document \"empty\" has an empty text"),
        "{err}"
    );
    assert!(
        err.contains("document \"spaces\" has an empty text"),
        "{err}"
    );
    // JSON: members of every cluster.
    let (_, json_out, _) = run(&["cluster", "-q", "-f", "json", &input]);
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(v["documents"], MESSY_IDS.len());
    let members: Vec<&serde_json::Value> = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["members"].as_array().unwrap())
        .collect();
    let json_ids: Vec<String> = members
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_each_once(&json_ids, &MESSY_IDS, "cluster -f json");
    let title = |id: &str| members.iter().find(|m| m["id"] == id).unwrap()["title"].clone();
    assert_eq!(title("html"), "Bold & brave");
    assert_eq!(title("cjk"), "東京の橋");
    // Table: each id on exactly one member line.
    let (_, table, _) = run(&["cluster", "-q", &input]);
    for id in MESSY_IDS {
        let n = table
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(id))
            .count();
        assert_eq!(n, 1, "{id} in the table:\n{table}");
    }
    // Dense matrix: a header and one row per document; long: every pair once.
    let (_, dense, _) = run(&["matrix", "-q", &input]);
    let dense_ids: Vec<String> = dense.lines().skip(1).map(csv_first_field).collect();
    assert_each_once(&dense_ids, &MESSY_IDS, "matrix -f dense");
    let n = MESSY_IDS.len();
    let (_, long, _) = run(&["matrix", "-q", "-f", "long", &input]);
    assert_eq!(long.lines().count(), 1 + n * (n - 1) / 2);
    // Report: one anchor per document.
    let (_, html) = report_of(&input, dir.path());
    assert_eq!(
        html.matches("<tr id=\"doc-").count() + html.matches("<li id=\"doc-").count(),
        n
    );
    // The texts themselves: emoji and CJK survive, NUL and invisibles do not split words.
    let (_, diff, _) = run(&[
        "diff", "-q", "-f", "json", "--corpus", &input, "emoji", "cjk",
    ]);
    let d: serde_json::Value = serde_json::from_str(&diff).unwrap();
    let all: String = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| [r["left"].as_str(), r["right"].as_str()])
        .flatten()
        .collect();
    assert!(all.contains("🎉🏟️") && all.contains("👩‍👩‍👧"), "{all}");
    assert!(
        all.contains("東京都は月曜日に新しい橋を開通させた。"),
        "{all}"
    );
}

fn csv_first_field(line: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    rdr.records().next().unwrap().unwrap()[0].to_owned()
}

#[test]
fn issue_6_messy_text_files_in_a_directory_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "in/bom.txt",
        "\u{feff}Title\r\n\r\nBody with CRLF.\r\n".as_bytes(),
    );
    write(d, "in/nul.txt", b"Text\x00with\x00NUL bytes.");
    write(d, "in/latin1.txt", b"Caf\xe9 owners met.");
    write(d, "in/empty.txt", b"");
    write(
        d,
        "in/emoji.md",
        "# 🎉 Party\n\nCelebrations 🥳 in 北京.".as_bytes(),
    );
    write(d, "in/nested/deep/html.txt", b"<div>Tag &amp; entity</div>");
    let input = d.join("in").to_string_lossy().into_owned();
    let (code, out, err) = run(&["cluster", "-f", "csv", &input]);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<String> = clusters_of(&out).into_iter().map(|(i, _)| i).collect();
    assert_each_once(
        &ids,
        &["bom", "nul", "latin1", "empty", "emoji", "nested/deep/html"],
        "a directory walk",
    );
    assert!(err.contains("latin1.txt: invalid UTF-8 at byte 3"), "{err}");
    assert!(out.contains("🎉 Party"), "{out}");
}

#[test]
fn issue_6_a_long_one_line_article_is_read_whole() {
    // The 50 MB case runs in the ignored test below; 4 MB keeps the suite quick.
    long_one_line_article(4);
}

#[test]
#[ignore = "50 MB article; run by .ci/run"]
fn issue_6_a_50_mb_one_line_article_is_read_whole() {
    long_one_line_article(50);
}

fn long_one_line_article(mb: usize) {
    let dir = tempfile::tempdir().unwrap();
    let words = [
        "harbor",
        "bridge",
        "council",
        "Vance",
        "budget",
        "river",
        "closed",
        "Monday",
        "engineers",
        "inspection",
    ];
    let mut text = String::with_capacity(mb << 20);
    let mut i = 0usize;
    while text.len() < mb << 20 {
        text.push_str(words[i % words.len()]);
        text.push_str(if i % 17 == 16 { ". " } else { " " });
        i += 1;
    }
    let mut jsonl = format!("{{\"id\":\"huge\",\"text\":\"{text}\"}}\n");
    jsonl.push_str("{\"id\":\"small\",\"text\":\"The harbor bridge closed on Monday.\"}\n");
    let input = write(dir.path(), "huge.jsonl", jsonl.as_bytes());
    let (code, out, err) = run(&["cluster", "-f", "csv", &input]);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<String> = clusters_of(&out).into_iter().map(|(i, _)| i).collect();
    assert_each_once(&ids, &["huge", "small"], "the long article");
    let (code, long, _) = run(&["matrix", "-f", "long", "-m", "jaccard", &input]);
    assert_eq!(code, 0);
    assert_eq!(long.lines().count(), 2);
}

#[test]
fn issue_6_many_tiny_files_in_one_directory() {
    many_tiny_files(3_000);
}

#[test]
#[ignore = "200,000 files; run by .ci/run"]
fn issue_6_200000_tiny_files_in_one_directory() {
    many_tiny_files(200_000);
}

fn many_tiny_files(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("many");
    fs::create_dir(&d).unwrap();
    for i in 0..n {
        fs::write(
            d.join(format!("f{i:06}.txt")),
            format!("Item {i} of the harbor log {}.", i % 97),
        )
        .unwrap();
    }
    let input = d.to_string_lossy().into_owned();
    // The copy measure, and the default story measure: every text is cut from one template,
    // so every pair looks alike, and the story search must stay bounded.
    for measure in ["jaccard", "story"] {
        let (code, out, err) = run(&["cluster", "-q", "-m", measure, "-f", "csv", &input]);
        assert_eq!(code, 0, "{err}");
        let rows = clusters_of(&out);
        assert_eq!(rows.len(), n);
        let unique: BTreeSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(unique.len(), n);
        if measure == "jaccard" {
            // All singletons: listed in id order, which is the sorted path order.
            assert_eq!(rows[0].0, "f000000", "sorted path order");
        }
        if measure == "story" && n <= 20_000 {
            // Texts sharing their last number are one story (exactly so below the size
            // where the search guards of look-alike collections may split them).
            let of = |id: &str| rows.iter().find(|r| r.0 == id).map(|r| r.1.clone());
            assert_eq!(of("f000001"), of("f000098"), "same template and number");
        }
    }
}

/// A few hundred documents: the two fixture collections, a reprint of each news article
/// (one sentence dropped, a line added) and short briefs, so that the output has stories,
/// copy groups and singletons.
fn corpus_300(dir: &Path) -> (String, Vec<String>) {
    let mut lines = Vec::new();
    for file in [
        "fixtures/news/articles.jsonl",
        "fixtures/events3/articles.jsonl",
    ] {
        for line in fs::read_to_string(root().join(file)).unwrap().lines() {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            lines.push(v.to_string());
            if file.contains("news") {
                let text = v["text"].as_str().unwrap().to_owned();
                let cut = text.rfind(". ").map_or(text.len(), |i| i + 1);
                v["id"] = format!("reprint-{}", v["id"].as_str().unwrap()).into();
                v["text"] = format!("{} Staff contributed to this report.", &text[..cut]).into();
                lines.push(v.to_string());
            }
        }
    }
    for i in 0..60 {
        lines.push(
            serde_json::json!({"id": format!("brief-{i:02}"), "text": format!("Brief {i}: the lantern festival of ward {} drew {} visitors.", i % 7, i * 31)})
                .to_string(),
        );
    }
    assert!(lines.len() >= 280, "{}", lines.len());
    let path = write(dir, "corpus.jsonl", lines.join("\n").as_bytes());
    (path, lines)
}

#[test]
fn issue_6_output_is_byte_identical_at_any_thread_count_and_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = corpus_300(dir.path());
    let report = dir.path().join("report.html");
    let r = report.to_string_lossy().into_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["cluster", "-f", "csv", &input],
        vec!["cluster", "-f", "json", &input],
        vec!["cluster", &input],
        vec!["cluster", "-m", "jaccard", "-f", "csv", &input],
        vec!["matrix", "-f", "long", &input],
        vec!["matrix", "-m", "containment", &input],
        vec!["report", "-o", &r, &input],
    ];
    for command in &commands {
        let mut outputs = Vec::new();
        for (threads, env) in [
            (Some("1"), None),
            (Some("2"), None),
            (Some("4"), None),
            (None, Some("3")),
            (None, None),
        ] {
            let mut args = command.clone();
            if let Some(t) = threads {
                args.extend(["--threads", t]);
            }
            let env: Vec<(&str, &str)> =
                env.map(|n| ("RAYON_NUM_THREADS", n)).into_iter().collect();
            let (code, out, err) = run_env(&args, &env);
            assert_eq!(code, 0, "{args:?}: {err}");
            let bytes = if command[0] == "report" {
                fs::read(&report).unwrap()
            } else {
                out.into_bytes()
            };
            assert!(bytes.len() > 1000, "{args:?}");
            outputs.push(bytes);
        }
        assert!(
            outputs.windows(2).all(|w| w[0] == w[1]),
            "{command:?} differs between thread counts or runs"
        );
    }
}

/// id -> cluster number, from `cluster -f csv`.
fn numbering(csv_text: &str) -> BTreeMap<String, String> {
    clusters_of(csv_text).into_iter().collect()
}

#[test]
fn issue_6_the_partition_does_not_depend_on_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let (input, lines) = corpus_300(dir.path());
    for measure in ["story", "jaccard"] {
        let (_, base, _) = run(&["cluster", "-q", "-m", measure, "-f", "csv", &input]);
        let base = numbering(&base);
        assert_eq!(base.len(), lines.len());
        let stories = base.values().collect::<BTreeSet<_>>().len();
        assert!(stories > 20 && stories < lines.len(), "{stories}");
        for seed in [1u64, 7, 2024] {
            // A fixed Fisher-Yates shuffle (LCG), so a failure reproduces.
            let mut shuffled = lines.clone();
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            let path = write(
                dir.path(),
                &format!("shuffled-{seed}.jsonl"),
                shuffled.join("\n").as_bytes(),
            );
            let (_, out, _) = run(&["cluster", "-q", "-m", measure, "-f", "csv", &path]);
            // Cluster numbers follow size, then smallest member id: not the input order.
            assert_eq!(numbering(&out), base, "{measure}, shuffle {seed}");
        }
    }
}

/// Starts a long `matrix -f long -o` run, waits for its temporary file, sends `signal`,
/// and checks the target holds its old content or, if the run won, the complete result.
fn interrupt_while_writing(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..3000 {
        lines.push_str(&format!(
            "{{\"id\":\"d{i}\",\"text\":\"Mayor Calder {} spoke about bridge {} and harbor {}\"}}\n",
            i % 37,
            i % 11,
            i % 5
        ));
    }
    let input = write(dir.path(), "in.jsonl", lines.as_bytes());
    let target = dir.path().join("out.csv");
    fs::write(&target, "old").unwrap();
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_storydedup"))
        .args([
            "matrix",
            "-q",
            "-f",
            "long",
            "-o",
            target.to_str().unwrap(),
            &input,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let temps = || {
        entries(dir.path())
            .into_iter()
            .filter(|n| n.ends_with(".tmp"))
            .count()
    };
    let started = std::time::Instant::now();
    while temps() == 0 && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Past the moment the run registers its temporary file for clean-up.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let _ = StdCommand::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    let content = fs::read_to_string(&target).unwrap();
    if status.success() {
        assert_eq!(content.lines().count(), 1 + 3000 * 2999 / 2, "complete");
    } else {
        assert_eq!(content, "old", "{signal}: {err}");
    }
    if signal == "-KILL" {
        // A kill cannot be caught: the temporary file may stay, never the target half-written.
        assert!(temps() <= 1);
    } else {
        assert!(status.success() || status.code() == Some(1), "{status:?}");
        assert_eq!(temps(), 0, "{signal}: the temporary file is removed");
        assert!(status.success() || err.contains("interrupted"), "{err}");
    }
}

#[test]
fn issue_6_an_interrupted_run_leaves_the_old_output() {
    // Ctrl-C.
    interrupt_while_writing("-INT");
}

#[test]
fn issue_6_a_terminated_run_leaves_the_old_output() {
    interrupt_while_writing("-TERM");
}

#[test]
fn issue_6_a_killed_run_leaves_the_old_output() {
    interrupt_while_writing("-KILL");
}

#[test]
fn issue_6_a_closed_stderr_is_no_failure() {
    // Twenty warnings into a pipe nobody reads: the run still succeeds and writes its result.
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..20)
        .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"\"}}\n"))
        .collect();
    let input = write(dir.path(), "e.jsonl", lines.as_bytes());
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_storydedup"))
        .args(["cluster", "--verbose", "-f", "csv", &input])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(clusters_of(&out).len(), 20);
}

#[test]
fn issue_6_a_closed_stdout_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = corpus_300(dir.path());
    for args in [
        vec!["cluster", "-q", &input],
        vec!["cluster", "-q", "-f", "csv", &input],
        vec!["matrix", "-q", &input],
        vec![
            "diff",
            "-q",
            "--corpus",
            &input,
            "n36-harbor-ledger",
            "reprint-n36-harbor-ledger",
        ],
    ] {
        let (_, status, err) = read_head_then_close::<16>(&args);
        assert!(status.success(), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

// ---- security ----

/// Documents written to attack the outputs: markup in ids (kept as written), in entity
/// form in text, titles and sources (decoded into the text by ingest), script URLs, and
/// terminal escape and bidi sequences.
fn hostile_jsonl() -> String {
    let pwn = "document.body.setAttribute('data-p'+'wned','yes')";
    let docs = [
        serde_json::json!({
            "id": format!("<script>{pwn}</script>"),
            "title": format!("&lt;/textarea&gt;&lt;script&gt;{pwn}&lt;/script&gt; Harbor bridge closes"),
            "source": format!("&lt;img src=x onerror=\"{pwn}\"&gt;"),
            "url": format!("javascript:{pwn}"),
            "text": format!("The harbor bridge closed on Monday. &lt;img src=x onerror=\"{pwn}\"&gt; Engineers found cracks. &lt;/textarea&gt;&lt;script&gt;{pwn}&lt;/script&gt; The council met. &lt;a href=\"javascript:{pwn}\"&gt;click&lt;/a&gt;"),
        }),
        serde_json::json!({
            "id": format!("<img src=x onerror=\"{pwn}\">"),
            "title": "Harbor bridge shut after cracks found",
            "source": "Evil \u{1b}]0;owned\u{7}Wire \u{202e}txet",
            "url": format!("https://example.com/\"><script>{pwn}</script>"),
            "text": format!("The harbor bridge closed on Monday after engineers found cracks. The council met. &lt;svg onload=\"{pwn}\"&gt;&lt;/svg&gt; &lt;iframe src=\"javascript:{pwn}\"&gt;"),
        }),
        serde_json::json!({
            "id": "\u{1b}[2J\u{1b}[H\u{1b}]0;title\u{7}term\u{8}\u{8}\r\u{202e}evil\u{9b}31m",
            "title": "Bell\u{7} \u{1b}[31mred\u{1b}[0m title \u{202e}desrever",
            "url": "data:text/html,<script>alert(1)</script>",
            "text": "The harbor bridge closed on Monday.\u{1b}[31m Engineers \u{7}found cracks\u{202e}.\u{8} The council met.",
        }),
    ];
    docs.iter().map(|d| format!("{d}\n")).collect()
}

/// Every `<` in `html` opens one of the tags the renderer itself writes.
pub(super) fn assert_only_own_tags(html: &str, what: &str) {
    const OWN: &[&str] = &[
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "h2",
        "p",
        "div",
        "b",
        "section",
        "figure",
        "figcaption",
        "svg",
        "rect",
        "line",
        "text",
        "canvas",
        "nav",
        "ol",
        "ul",
        "li",
        "a",
        "span",
        "button",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "col",
        "colgroup",
        "details",
        "summary",
        "del",
        "ins",
        "script",
        "g",
        "path",
        "title",
        "small",
        "em",
        "strong",
        "br",
        "code",
    ];
    // The page's own script (at most one) is code, not markup: skip its body.
    assert!(
        html.matches("<script").count() <= 1,
        "{what}: a second script"
    );
    let html = match (html.find("<script>"), html.find("</script>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a + 8], &html[b..]),
        _ => html.to_owned(),
    };
    let html = html.as_str();
    for (i, _) in html.match_indices('<') {
        let rest = html[i + 1..].trim_start_matches('/');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        let context: String = html[i..].chars().take(80).collect();
        assert!(
            OWN.contains(&name.as_str()),
            "{what}: unexpected tag <{name} at {context}"
        );
        // Inside a real tag: links only to anchors or http(s), no event handlers.
        let tag = &html[i..html[i..].find('>').map_or(html.len(), |j| i + j)];
        for (j, _) in tag.match_indices("href=\"") {
            let v = &tag[j + 6..];
            assert!(
                v.starts_with('#') || v.starts_with("https://") || v.starts_with("http://"),
                "{what}: link in {tag}"
            );
        }
        // Attribute names only: quoted values dropped (a value cannot hold a raw quote,
        // since the renderer escapes them).
        let mut names = String::new();
        let mut quoted = false;
        for c in tag.chars() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted {
                names.push(c.to_ascii_lowercase());
            }
        }
        assert!(
            !names
                .split_whitespace()
                .skip(1)
                .any(|a| a.starts_with("on")),
            "{what}: event handler in {tag}"
        );
    }
    assert!(!html.contains("</textarea>"), "{what}");
}

#[test]
fn issue_6_hostile_documents_render_as_text_in_html() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "hostile.jsonl", hostile_jsonl().as_bytes());
    let (_, html) = report_of(&input, dir.path());
    assert_only_own_tags(&html, "report");
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    // The payloads are there, as text.
    assert!(
        html.contains("&lt;/textarea&gt;&lt;script&gt;"),
        "escaped title"
    );
    assert!(
        html.contains("&lt;img src=x onerror="),
        "escaped text and id"
    );
    assert!(
        html.contains("href=\"https://example.com/&quot;&gt;&lt;script&gt;"),
        "an https URL is a link, its quotes escaped"
    );
    let diff_path = dir.path().join("diff.html");
    let d = diff_path.to_string_lossy().into_owned();
    let left = serde_json::from_str::<serde_json::Value>(hostile_jsonl().lines().next().unwrap())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let right = "<img src=x onerror=\"document.body.setAttribute('data-p'+'wned','yes')\">";
    let (code, _, err) = run(&[
        "diff", "-q", "-f", "html", "-o", &d, "--corpus", &input, &left, right,
    ]);
    assert_eq!(code, 0, "{err}");
    let diff_html = fs::read_to_string(&diff_path).unwrap();
    assert_only_own_tags(&diff_html, "diff -f html");
    assert!(diff_html.contains("Engineers found cracks"));
    assert!(!diff_html.contains('\u{202e}') && !diff_html.contains('\u{1b}'));
}

#[test]
fn issue_6_hostile_documents_run_no_script_in_headless_chromium() {
    let Some(chrome) =
        chromium_or_skip("issue_6_hostile_documents_run_no_script_in_headless_chromium")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "hostile.jsonl", hostile_jsonl().as_bytes());
    let (report, _) = report_of(&input, dir.path());
    let diff = dir.path().join("diff.html");
    let first: serde_json::Value =
        serde_json::from_str(hostile_jsonl().lines().next().unwrap()).unwrap();
    let (code, _, err) = run(&[
        "diff",
        "-q",
        "-f",
        "html",
        "-o",
        diff.to_str().unwrap(),
        "--corpus",
        &input,
        first["id"].as_str().unwrap(),
        "<img src=x onerror=\"document.body.setAttribute('data-p'+'wned','yes')\">",
    ]);
    assert_eq!(code, 0, "{err}");
    // A control page with the same policy and an unescaped payload proves the check can
    // see a script that ran.
    let control = dir.path().join("control.html");
    fs::write(
        &control,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"></head><body><p>x</p><script>document.body.setAttribute('data-p'+'wned','yes')</script></body></html>",
    )
    .unwrap();
    let dom_of = |page: &Path, profile: &str| {
        let out = headless(
            &chrome,
            &dir.path().join(profile),
            &["--dump-dom", &format!("file://{}", page.display())],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = dom_of(&control, "p0");
    assert!(dom.contains("data-pwned=\"yes\""), "control page: {dom}");
    for (page, profile) in [(&report, "p1"), (&diff, "p2")] {
        let dom = dom_of(page, profile);
        if page == &report {
            // The page's own script, allowed by its hash, did run.
            assert!(
                dom.contains("data-drawn=\"yes\""),
                "the heat map script was blocked"
            );
        }
        assert!(
            dom.contains("Harbor bridge") || dom.contains("harbor bridge"),
            "{dom}"
        );
        assert!(
            !dom.contains("data-pwned"),
            "a payload ran in {}",
            page.display()
        );
        assert!(dom.contains("&lt;script&gt;"), "the payload shows as text");
    }
}

/// No byte that a terminal interprets: C0 controls other than newline, DEL, C1 controls
/// (as UTF-8) and bidi overrides.
pub(super) fn assert_terminal_safe(s: &str, what: &str) {
    for c in s.chars() {
        assert!(
            c == '\n'
                || !(c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
            "{what}: {:?} in {s:?}",
            c
        );
    }
}

#[test]
fn issue_6_terminal_output_never_carries_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "hostile.jsonl", hostile_jsonl().as_bytes());
    let (code, table, err) = run(&["cluster", &input]);
    assert_eq!(code, 0, "{err}");
    assert_terminal_safe(&table, "cluster table");
    assert_terminal_safe(&err, "cluster warnings");
    assert!(table.contains("3 documents"), "{table}");
    assert!(
        table.contains("evil"),
        "the id is shown, made harmless: {table}"
    );
    let ids: Vec<String> = hostile_jsonl()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for color in ["never", "always"] {
        let (code, diff, err) = run(&[
            "diff", "--color", color, "--corpus", &input, &ids[2], &ids[1],
        ]);
        assert_eq!(code, 0, "{err}");
        // Colour codes are the tool's own; strip them, then nothing may remain.
        let plain = diff
            .replace("\u{1b}[1;31m", "")
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[1;32m", "")
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[2m", "")
            .replace("\u{1b}[0m", "");
        assert_terminal_safe(&plain, "diff terminal");
        assert!(plain.contains("Engineers"), "{plain}");
    }
    // eval prints figures only, whatever the ids.
    let truth = write(
        dir.path(),
        "t.csv",
        "id,cluster\n\"\u{1b}[2Ja\",1\nb\u{7},1\nc,2\n".as_bytes(),
    );
    let pred = write(
        dir.path(),
        "p.csv",
        "id,cluster\n\"\u{1b}[2Ja\",x\nb\u{7},x\nc,y\n".as_bytes(),
    );
    let (code, out, err) = run(&["eval", "--truth", &truth, "--pred", &pred]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ARI       1.0000"), "{out}");
    assert_terminal_safe(&out, "eval table");
    // Messages naming input are escaped too: a CSV header, a file name, an id.
    let header = write(
        dir.path(),
        "h.csv",
        "id,\u{1b}]0;owned\u{7}body\n1,x\n".as_bytes(),
    );
    let (code, _, err) = run(&["cluster", &header]);
    assert_eq!(code, 2);
    assert_terminal_safe(&err, "refusal naming a CSV header");
    assert!(err.contains("\\u{1b}]0;owned\\u{7}body"), "{err}");
    let named = write(dir.path(), "walk/\u{1b}[31mred\u{7}.txt", b"");
    let walk = Path::new(&named)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (code, _, err) = run(&["cluster", &walk]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("has an empty text"), "{err}");
    assert_terminal_safe(&err, "warning naming a file");
    let ids_csv = write(
        dir.path(),
        "dup.jsonl",
        "{\"id\":\"\u{1b}[2J\",\"text\":\"a\"}\n{\"id\":\"\u{1b}[2J\",\"text\":\"b\"}\n".as_bytes(),
    );
    let (code, _, err) = run(&["cluster", &ids_csv]);
    assert_eq!(code, 2);
    assert_terminal_safe(&err, "duplicate id");
}

#[test]
fn issue_6_no_input_makes_any_command_panic() {
    // A battery of odd inputs through every command and format: each either succeeds or
    // is refused with code 2, and no stderr says "panicked" (checked in `run_env`).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut inputs = vec![
        write(d, "messy.jsonl", &messy_jsonl()),
        write(d, "hostile.jsonl", hostile_jsonl().as_bytes()),
        write(d, "one.jsonl", b"{\"text\":\"x\"}"),
        write(d, "dots.txt", b"... . . !!! ??? \xe2\x80\x94 - -- \"\"\""),
        write(d, "only-nul.txt", b"\x00\x00\x00"),
        write(d, "bare.csv", b"text\n"),
        write(d, "csv-bom.csv", "\u{feff}text,id\r\n\"a\"\"b\",1\r\n".as_bytes()),
        write(d, "gz.jsonl.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00"),
        write(d, "weird-dates.jsonl", b"{\"text\":\"a b c\",\"date\":\"2024-02-30\"}\n{\"text\":\"a b c d\",\"date\":\"99999-01-01\"}\n{\"text\":\"a b\",\"date\":\"-0001-01-01T00:00:00Z\"}\n"),
        write(d, "huge-number.jsonl", b"{\"id\":1e400,\"text\":\"a\"}\n{\"id\":-0,\"text\":\"b\"}\n{\"id\":123456789012345678901234567890,\"text\":\"c\"}\n"),
        write(d, "surrogates.jsonl", b"{\"text\":\"\\udc00\\ud800\\ud800\\udc00 x\"}\n"),
    ];
    let mut random = 0x2545F4914F6CDD1Du64;
    for i in 0..4 {
        let bytes: Vec<u8> = (0..600)
            .map(|_| {
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                (random >> 24) as u8
            })
            .collect();
        inputs.push(write(d, &format!("random{i}.txt"), &bytes));
        inputs.push(write(d, &format!("random{i}.jsonl"), &bytes));
        inputs.push(write(d, &format!("random{i}.csv"), &bytes));
    }
    let out = d.join("out.file").to_string_lossy().into_owned();
    let mut runs = 0;
    for input in &inputs {
        for args in [
            vec!["cluster", "-f", "table", input],
            vec![
                "cluster",
                "-f",
                "json",
                "-m",
                "jaccard",
                "--shingle",
                "char:3",
                input,
            ],
            vec![
                "cluster",
                "-f",
                "csv",
                "--linkage",
                "average",
                "-t",
                "0",
                input,
            ],
            vec!["cluster", "-f", "csv", "-t", "1", "--window", "0", input],
            vec!["matrix", "-m", "containment", input],
            vec!["matrix", "-f", "long", input],
            vec!["report", "-o", &out, input],
            vec!["diff", input, "seeds/000_caa04d0a8aee422f.txt"],
            vec![
                "diff",
                "-f",
                "html",
                "seeds/000_caa04d0a8aee422f.txt",
                input,
            ],
        ] {
            let (code, _, err) = run_env(&args, &[]);
            assert!(code == 0 || code == 2, "{args:?}: {code} {err}");
            if code == 2 {
                assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            }
            runs += 1;
        }
    }
    assert_eq!(runs, inputs.len() * 9);
}

#[cfg(unix)]
#[test]
fn issue_6_a_directory_walk_reads_nothing_outside_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "outside/secret.txt",
        b"SECRET credentials of someone else",
    );
    write(d, "walked/a.txt", b"The harbor bridge closed on Monday.");
    std::os::unix::fs::symlink(d.join("outside/secret.txt"), d.join("walked/b.txt")).unwrap();
    std::os::unix::fs::symlink(d.join("walked/a.txt"), d.join("walked/c.txt")).unwrap();
    std::os::unix::fs::symlink(d.join("outside"), d.join("walked/sub")).unwrap();
    let walked = d.join("walked").to_string_lossy().into_owned();
    let (code, out, err) = run(&["cluster", "-f", "json", &walked]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("SECRET") && !out.contains("secret"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents"], 2, "a.txt and the link to it, c.txt: {out}");
    assert!(
        err.contains("skipped 1 symbolic link(s) to files outside this directory"),
        "{err}"
    );
    // Named on the command line, the same link is read: the user gave that path.
    let (code, out, _) = run(&[
        "cluster",
        "-f",
        "csv",
        &d.join("walked/b.txt").to_string_lossy(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(clusters_of(&out)[0].0, "b");
}
