//! Directory walk: recursive, in sorted path order, hidden entries skipped. Files whose
//! names match no reader are skipped and counted in one warning per directory tree.

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Position, Result};

use super::{Ingest, format_of, read_error};

pub(crate) fn walk<D: Send>(ingest: &mut Ingest<'_, D>, root: &Path) -> Result<()> {
    let shown = root.display().to_string();
    let before = ingest.corpus.docs.len();
    let mut files = Vec::new();
    let mut skipped = 0usize;
    let mut outside = 0usize;
    let mut special = 0usize;
    // Links are resolved against the walked directory itself, so only what it holds is read.
    let inside = std::fs::canonicalize(root).map_err(|e| read_error(&shown, e))?;
    let mut walk = Walk {
        inside: &inside,
        files: &mut files,
        skipped: &mut skipped,
        outside: &mut outside,
        special: &mut special,
    };
    collect(root, &mut walk)?;
    for file in &files {
        // Named by the path within the walked directory, with `/` on every platform.
        let relative = file.strip_prefix(root).unwrap_or(file);
        let within: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        ingest.read_path(file, Some(&within.join("/")))?;
    }
    if skipped > 0 {
        ingest.warn(
            Position::file(&shown),
            format!(
                "skipped {skipped} file(s) that are not .txt, .md, .jsonl, .ndjson, .json, .csv or .tsv"
            ),
        );
    }
    if outside > 0 {
        ingest.warn(
            Position::file(&shown),
            format!("skipped {outside} symbolic link(s) to files outside this directory"),
        );
    }
    if special > 0 {
        ingest.warn(
            Position::file(&shown),
            format!(
                "skipped {special} {} (named pipes, sockets, devices): reading one could \
                 wait forever",
                if special == 1 {
                    "entry that is not a regular file"
                } else {
                    "entries that are not regular files"
                }
            ),
        );
    }
    if ingest.corpus.docs.len() == before && files.is_empty() {
        return Err(Error::input(
            Position::file(shown),
            InputError::EmptyDirectory,
        ));
    }
    Ok(())
}

/// What a walk collects: the files to read, and counts of what it leaves out.
struct Walk<'a> {
    /// The walked directory, canonical: links may point only inside it.
    inside: &'a Path,
    files: &'a mut Vec<PathBuf>,
    /// Files whose names match no reader.
    skipped: &'a mut usize,
    /// Symbolic links to files outside the walked directory.
    outside: &'a mut usize,
    /// Entries with a reader's name that are not regular files (a FIFO, a socket).
    special: &'a mut usize,
}

/// Collects readable files under `dir`, sorted by path. Symbolic links to directories are
/// not followed, so a link cycle cannot make the walk endless; links to files are followed
/// only when the file lies inside the walked directory, so a walk reads nothing the user
/// did not name.
fn collect(dir: &Path, walk: &mut Walk<'_>) -> Result<()> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(&shown, e))?;
    let mut items = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| read_error(&shown, e))?;
        items.push(entry.path());
    }
    items.sort();
    for path in items {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let link = std::fs::symlink_metadata(&path)
            .map_err(|e| read_error(&path.display().to_string(), e))?;
        if link.file_type().is_symlink() {
            if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let target_inside = std::fs::canonicalize(&path)
                .map(|t| t.starts_with(walk.inside))
                // A dangling link: let reading it report the problem.
                .unwrap_or(true);
            if !target_inside && format_of(&name).is_some() {
                *walk.outside += 1;
                continue;
            }
        }
        if link.is_dir() {
            collect(&path, walk)?;
        } else if format_of(&name).is_some() {
            // What a link points to, or the entry itself: only regular files are read.
            if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
                *walk.special += 1;
                continue;
            }
            walk.files.push(path);
        } else {
            *walk.skipped += 1;
        }
    }
    Ok(())
}
