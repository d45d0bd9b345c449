//! ## What it does
//! Flags `ADD` of local files or directories that are not archives. `ADD`
//! of URLs, git repositories and local tar archives (which `ADD` extracts)
//! is left alone. With the build context at hand, sources are checked by
//! content: a tar file without a tar extension is still an archive.
//!
//! ## Why it matters
//! `ADD` does more than copy: it fetches URLs and silently extracts local
//! archives. Using it for plain files hides that behaviour from readers and
//! turns a harmless rename of a file into an extraction. `COPY` says what
//! it does.
//!
//! ## Example
//! ```dockerfile
//! ADD requirements.txt /app/
//! ```
//!
//! Use instead:
//! ```dockerfile
//! COPY requirements.txt /app/
//! ```
//!
//! ## Fix safety
//! Safe when the build context was read and no source is an archive;
//! unsafe without the context, since a source could be an archive by
//! content.

use std::io::Read;

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL403",
    name: "add-instead-of-copy",
    family: Family::Security,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "ADD is used to copy plain local files",
    hadolint: &["DL3020"],
    check,
    ..Rule::OPTIONAL
};

const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
    ".tar.lz", ".gz", ".bz2", ".xz", ".zst",
];

fn is_remote(v: &str) -> bool {
    v.contains("://") || v.starts_with("git@") || v.ends_with(".git") || v.contains(".git#")
}

/// Whether a context file starts like a tar, gzip, bzip2, xz or zstd stream.
fn is_archive_by_content(path: &std::path::Path) -> bool {
    let mut head = [0u8; 512];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    let h = &head[..n];
    h.starts_with(&[0x1f, 0x8b])
        || h.starts_with(b"BZh")
        || h.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || h.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (n >= 262 && &h[257..262] == b"ustar")
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if inst.keyword != Keyword::Add || !cx.is_reachable(i) {
            continue;
        }
        if inst
            .flags
            .iter()
            .any(|f| matches!(f.name(), "checksum" | "keep-git-dir" | "unpack"))
        {
            continue;
        }
        let Ok(args) = CopyArgs::parse(inst) else {
            continue;
        };
        let mut plain = true;
        for s in &args.sources {
            match s {
                CopySource::Path { value, .. } => {
                    let lower = value.to_ascii_lowercase();
                    if is_remote(value)
                        || ARCHIVE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
                        || value.contains('$')
                    {
                        plain = false;
                    }
                }
                CopySource::Heredoc { .. } => {}
            }
        }
        if !plain {
            continue;
        }
        // With the context: every file the ADD takes, checked by content.
        let checked = match (cx.context, cx.uses.iter().find(|u| u.instruction == i)) {
            (Some(ctx), Some(u)) => {
                let archive = u.sources.iter().flat_map(|s| s.matched.iter()).any(|m| {
                    ctx.context
                        .under(m)
                        .filter(|e| e.kind == ballast_context::walk::Kind::File && !e.excluded)
                        .take(10_000)
                        .any(|e| is_archive_by_content(&ctx.root.join(&e.path)))
                });
                if archive {
                    continue;
                }
                true
            }
            _ => false,
        };
        let edit = vec![Edit::replace(inst.keyword_span, "COPY")];
        let fix = if checked {
            Fix::safe("Use COPY", edit)
        } else {
            Fix::unsafe_("Use COPY", edit)
        };
        out.push(
            Finding::new(
                &RULE,
                inst.keyword_span,
                "ADD copies plain local files here; COPY says so and never extracts",
            )
            .help("use COPY; keep ADD for URLs, git sources and archives to extract")
            .fix(fix),
        );
    }
}
