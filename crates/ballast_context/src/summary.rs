//! The `ballast context` report: what a build sends, its junk, and what each
//! COPY/ADD takes. Its JSON form is documented in the README.

use serde::Serialize;

use crate::copies::{ContextUse, Transfer};
use crate::ignore::IgnoreFile;
use crate::junk::Junk;
use crate::walk::{Context, Kind};

/// A path and its size.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PathBytes {
    pub path: String,
    pub bytes: u64,
}

/// An ignore-file line that is not a usable pattern.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoreError {
    pub line: usize,
    pub text: String,
    pub message: String,
}

/// One COPY/ADD (or bind mount) and what it takes.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// 1-based first line.
    pub line: usize,
    pub instruction: String,
    pub stage: String,
    pub bytes: u64,
    pub files: u64,
    /// Sources that match nothing the build sends (the build fails on them).
    pub missing: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ContextReport {
    pub schema_version: u32,
    pub root: String,
    pub dockerfile: String,
    pub ignore_file: Option<String>,
    pub ignore_errors: Vec<IgnoreError>,
    /// Regular-file bytes in the context after `.dockerignore` (what the
    /// classic builder and `podman build` send).
    pub total_bytes: u64,
    /// Regular files in the context after `.dockerignore`.
    pub files: u64,
    /// Regular-file bytes BuildKit transfers for the target: only the paths
    /// its stages' COPY/ADD/bind mounts name ([`crate::copies::Transfer`]).
    pub sent_bytes: u64,
    /// Regular files BuildKit transfers.
    pub sent_files: u64,
    /// Some source names the whole context, so all of it is transferred.
    pub sends_whole_context: bool,
    pub ignored_bytes: u64,
    pub ignored_files: u64,
    pub biggest_files: Vec<PathBytes>,
    pub biggest_dirs: Vec<PathBytes>,
    pub copies: Vec<CopyReport>,
    pub junk: Vec<Junk>,
    /// Directories that could not be read.
    pub errors: Vec<String>,
}

const TOP: usize = 15;

/// Builds the report.
pub fn build(
    ctx: &Context,
    ignore: &IgnoreFile,
    junk: Vec<Junk>,
    uses: &[ContextUse],
    transfer: &Transfer,
    stage_label: &dyn Fn(usize) -> String,
    dockerfile: &str,
) -> ContextReport {
    let (total_bytes, files) = ctx.sent();
    let (sent_bytes, sent_files) = transfer.totals(ctx);
    let (ignored_bytes, ignored_files) = ctx.ignored();
    let mut sent: Vec<&crate::walk::Entry> = ctx
        .entries
        .iter()
        .filter(|e| e.kind == Kind::File && transfer.sends(ctx, &e.path))
        .collect();
    sent.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    let biggest_files = sent
        .iter()
        .take(TOP)
        .map(|e| PathBytes {
            path: e.path.clone(),
            bytes: e.size,
        })
        .collect();
    let mut dirs: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for e in &sent {
        let mut p = e.path.as_str();
        while let Some((d, _)) = p.rsplit_once('/') {
            *dirs.entry(d).or_default() += e.size;
            p = d;
        }
    }
    let mut dirs: Vec<(&str, u64)> = dirs.into_iter().collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let biggest_dirs = dirs
        .into_iter()
        .take(TOP)
        .map(|(p, b)| PathBytes {
            path: p.to_string(),
            bytes: b,
        })
        .collect();
    ContextReport {
        schema_version: 2,
        root: ctx.root.display().to_string(),
        dockerfile: dockerfile.to_string(),
        ignore_file: ignore.source.clone(),
        ignore_errors: ignore
            .errors
            .iter()
            .map(|e| IgnoreError {
                line: e.line,
                text: e.text.clone(),
                message: e.message.clone(),
            })
            .collect(),
        total_bytes,
        files,
        sent_bytes,
        sent_files,
        sends_whole_context: transfer.whole,
        ignored_bytes,
        ignored_files,
        biggest_files,
        biggest_dirs,
        copies: uses
            .iter()
            .map(|u| CopyReport {
                line: u.line,
                instruction: u.text.clone(),
                stage: stage_label(u.stage),
                bytes: u.bytes,
                files: u.files,
                missing: u
                    .sources
                    .iter()
                    .filter(|s| s.missing)
                    .map(|s| s.written.clone())
                    .collect(),
            })
            .collect(),
        junk,
        errors: ctx.errors.clone(),
    }
}
