//! Directory walk: recursive, in sorted path order, hidden entries skipped. Files whose
//! names match no reader are skipped and counted in one warning per directory tree.

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Position, Result};

use super::{Ingest, format_of, read_error};

pub(crate) fn walk(ingest: &mut Ingest, root: &Path) -> Result<()> {
    let shown = root.display().to_string();
    let before = ingest.corpus.docs.len();
    let mut files = Vec::new();
    let mut skipped = 0usize;
    collect(root, &mut files, &mut skipped)?;
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
            format!("skipped {skipped} file(s) that are not .txt, .md, .jsonl, .ndjson or .csv"),
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

/// Collects readable files under `dir`, sorted by path. Symbolic links to directories are
/// not followed, so a link cycle cannot make the walk endless.
fn collect(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut usize) -> Result<()> {
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
        if link.file_type().is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        if link.is_dir() {
            collect(&path, out, skipped)?;
        } else if format_of(&name).is_some() {
            out.push(path);
        } else {
            *skipped += 1;
        }
    }
    Ok(())
}
