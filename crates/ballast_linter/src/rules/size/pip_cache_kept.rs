//! ## What it does
//! Flags a Python package install (pip, `python -m pip`, `uv pip`, `uv
//! sync`, poetry, pdm, conda, mamba) in a stage whose files end up in the
//! image that leaves the downloaded packages in the tool's cache. It is
//! satisfied by `--no-cache-dir` / `--no-cache`, `PIP_NO_CACHE_DIR` /
//! `UV_NO_CACHE` in the environment, a cache or tmpfs mount over the cache
//! directory, or a cache cleanup in the same RUN.
//!
//! ## Why it matters
//! pip keeps every downloaded wheel. For an ML stack that is gigabytes:
//! the wheels of torch with its CUDA libraries weigh about 3 GB next to the
//! 4.5 GB they install (`bench/distribution-sizes.sh` measures each wheel).
//! uv keeps the unpacked wheels; by its default on Linux it hard-links the
//! environment from them, so the layer stores the files once and the cache
//! adds little (4% of the wheels' bytes), but with `UV_LINK_MODE=copy` (or
//! `--link-mode copy`) the cache is a second copy of everything installed
//! (`bench/cache-ratios.sh` measures both). Deleting the cache in a later
//! RUN does not help: the bytes stay in the install's layer.
//!
//! ## Example
//! ```dockerfile
//! RUN pip install -r requirements.txt
//! ```
//!
//! Use instead (the cache mount also makes rebuilds reuse downloads):
//! ```dockerfile
//! RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
//! ```
//! or
//! ```dockerfile
//! RUN pip install --no-cache-dir -r requirements.txt
//! ```
//!
//! ## Fix safety
//! Safe: when the file already uses BuildKit features (a `# syntax=` line,
//! `RUN --mount`, heredocs) and the step runs as root, the fix adds a cache
//! mount over the cache directory; otherwise it adds `--no-cache-dir` (pip)
//! or `--no-cache` (uv, poetry). Either changes what is kept, not what is
//! installed. For conda the fix appends `conda clean -afy`, which is unsafe
//! only because it joins the RUN's command list.

use ballast_ml::packages::CacheLayout;
use ballast_shell::misc::cleaned_caches;
use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{Cost, deletes, installs_size_after_fixes, normalize_home, tool_label};
use ballast_context::runs::Run;

pub(crate) static RULE: Rule = Rule {
    code: "BL102",
    name: names::PIP_CACHE_KEPT.as_str(),
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A Python install keeps its download cache in the layer",
    hadolint: &["DL3042"],
    check,
    ..Rule::OPTIONAL
};

/// The cache a tool keeps: (default dir under root's home, env var naming
/// another dir, env var turning it off, flag turning it off).
fn cache_of(
    tool: Tool,
) -> Option<(
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
)> {
    let dir = tool.root_cache_dir()?;
    let (dir_var, off_var, off_flag) = match tool {
        Tool::Pip => (
            "PIP_CACHE_DIR",
            Some("PIP_NO_CACHE_DIR"),
            Some("--no-cache-dir"),
        ),
        Tool::UvPip | Tool::UvSync => ("UV_CACHE_DIR", Some("UV_NO_CACHE"), Some("--no-cache")),
        Tool::Poetry => ("POETRY_CACHE_DIR", None, Some("--no-cache")),
        Tool::Pdm => ("PDM_CACHE_DIR", None, None),
        Tool::Conda | Tool::Mamba | Tool::Micromamba => ("CONDA_PKGS_DIRS", None, None),
        Tool::Pipenv | Tool::SetupPy => return None,
    };
    Some((dir, dir_var, off_var, off_flag))
}

/// Whether the install's cache is kept out of the layer.
pub(crate) fn cache_avoided(cx: &Checker<'_>, run: &Run, p: &PyInstall<'_>) -> bool {
    let Some((default_dir, dir_var, off_var, _)) = cache_of(p.install.tool) else {
        return true;
    };
    // Nothing downloaded: no index (and no find-links page on the
    // network), or only the project itself.
    let remote_links = p.install.values.iter().any(|(k, v)| {
        (k == "-f" || k == "--find-links")
            && (v.starts_with("http://") || v.starts_with("https://"))
    });
    let offline = p.install.options.iter().any(|o| o == "--no-index") && !remote_links;
    if p.install.no_cache || offline || p.install.options.iter().any(|o| o == "--only-root") {
        return true;
    }
    // pip turns its cache off for any PIP_NO_CACHE_DIR value, `off` and
    // `false` included (pip#5735); uv reads UV_NO_CACHE as a boolean.
    let set = |v: &str| {
        p.command
            .assignments
            .iter()
            .any(|(k, val)| k == v && !val.is_empty())
            || cx.var(run.index, v).is_some_and(|val| !val.is_empty())
    };
    match off_var {
        Some(v @ "PIP_NO_CACHE_DIR") if set(v) => return true,
        Some(v) if v != "PIP_NO_CACHE_DIR" && cx.truthy(run.index, Some(p.command), v) => {
            return true;
        }
        _ => {}
    }
    let dir = cx
        .var(run.index, dir_var)
        .map(normalize_home)
        .unwrap_or_else(|| default_dir.to_string());
    let suffix = default_dir.trim_start_matches("/root");
    if run.cache_mount_over(&dir).is_some()
        || run.cache_mount_ending(suffix).is_some()
        || run.cache_mount_ending("/.cache").is_some()
        || (dir.ends_with("/pkgs") && run.cache_mount_ending("/pkgs").is_some())
    {
        return true;
    }
    // A cleanup after the install, in the same RUN.
    let mut after = false;
    for (_, c) in run.commands() {
        if std::ptr::eq(c, p.command) {
            after = true;
            continue;
        }
        if after
            && (deletes(c, &dir)
                || cleaned_caches(c)
                    .iter()
                    .any(|x| dir.starts_with(x) || x.starts_with(&dir)))
        {
            return true;
        }
    }
    false
}

/// What names the bytes `dir` holds after the RUN at `line`, for findings
/// about the same bytes to share one figure.
pub(crate) fn shared_key(dir: &str, line: usize) -> String {
    format!("{}@{line}", dir.trim_end_matches(['/', '*']))
}

/// The estimated cache bytes an install leaves (`None`: what it installs
/// is unknown).
pub(crate) fn cache_size(cx: &Checker<'_>, p: &PyInstall<'_>) -> Option<Savings> {
    installs_size_after_fixes(cx, std::slice::from_ref(p))
        .map(|c| cache_savings(c, cache_layout(cx, p)))
}

/// How the install's cache sits in its layer: the one judgement the rules
/// and the image model share.
pub(crate) fn cache_layout(cx: &Checker<'_>, p: &PyInstall<'_>) -> CacheLayout {
    if !matches!(p.install.tool, Tool::UvPip | Tool::UvSync) {
        return CacheLayout::Wheels;
    }
    let words: Vec<&str> = p.command.words.iter().map(|w| w.text.as_str()).collect();
    let flag = words
        .iter()
        .position(|w| *w == "--link-mode")
        .and_then(|i| words.get(i + 1).copied())
        .or_else(|| words.iter().find_map(|w| w.strip_prefix("--link-mode=")));
    // `clone` falls back to copying where reflinks are not supported (overlayfs).
    match flag.or_else(|| cx.var(p.run.index, "UV_LINK_MODE")) {
        Some("copy" | "clone") => CacheLayout::UvCopied,
        _ => CacheLayout::UvLinked,
    }
}

/// What a package cache adds to the layer for installs of the given cost.
pub(crate) fn cache_savings(installed: Cost, layout: CacheLayout) -> Savings {
    use ballast_ml::packages::cache_bytes_for;
    let assumed = layout.layer_bytes(cache_bytes_for(installed.assumed), installed.assumed);
    Savings::image(
        layout.layer_bytes(installed.download, installed.bytes),
        format!("{}; {}", installed.basis, layout.basis()),
    )
    .assumed(assumed)
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.image_runs() {
        // One finding per RUN and cache: several installs filling the same
        // cache in one layer are one problem.
        let mut groups: Vec<(String, Vec<PyInstall<'_>>)> = Vec::new();
        for p in cx.python_installs(run) {
            if cache_avoided(cx, run, &p) {
                continue;
            }
            let Some(dir) = cache_dir(cx, run, &p) else {
                continue;
            };
            match groups.iter_mut().find(|(d, _)| *d == dir) {
                Some((_, v)) => v.push(p),
                None => groups.push((dir, vec![p])),
            }
        }
        for (dir, installs) in groups {
            out.push(group_finding(cx, run, &dir, &installs));
        }
    }
}

/// The cache directory an install fills (its tool's default under the
/// home directory, or the directory a variable names).
pub(crate) fn cache_dir(cx: &Checker<'_>, run: &Run, p: &PyInstall<'_>) -> Option<String> {
    let (default_dir, dir_var, _, _) = cache_of(p.install.tool)?;
    if let Some(d) = cx.var(run.index, dir_var) {
        return Some(normalize_home(d));
    }
    if default_dir.ends_with("/pkgs") {
        // conda keeps packages under its own prefix.
        let prefix = cx
            .var(run.index, "CONDA_DIR")
            .map(str::to_string)
            .or_else(|| {
                p.command
                    .words
                    .first()
                    .and_then(|w| w.text.strip_suffix("/bin/conda").map(str::to_string))
            });
        return Some(prefix.map_or(default_dir.to_string(), |p| format!("{p}/pkgs")));
    }
    let rest = default_dir.trim_start_matches("/root");
    Some(match cx.var(run.index, "HOME") {
        Some(home) if home != "/root" => format!("{}{rest}", home.trim_end_matches('/')),
        Some(_) => default_dir.to_string(),
        // Another user's home, wherever it is.
        None if !cx.runs_as_root(run.index) => format!("~{rest}"),
        None => default_dir.to_string(),
    })
}

fn group_finding(cx: &Checker<'_>, run: &Run, dir: &str, installs: &[PyInstall<'_>]) -> Finding {
    let first = &installs[0];
    let savings = installs_size_after_fixes(cx, installs)
        .map(|c| cache_savings(c, cache_layout(cx, first)))
        .map(|s| s.shared_as(shared_key(dir, cx.inst(run.index).start_line)));
    let conda = dir.ends_with("/pkgs");
    let (_, _, _, flag) = cache_of(first.install.tool).unwrap_or(("", "", None, None));
    let mount_fix = (cx.uses_buildkit() && cx.runs_as_root(run.index) && !run.json).then(|| {
        let at = cx.inst(run.index).keyword_span.end;
        Fix::safe(
            format!("Mount a cache on {dir}"),
            vec![Edit::insert(
                at,
                format!(" --mount=type=cache,target={dir}"),
            )],
        )
    });
    let fix = if mount_fix.is_some() {
        mount_fix
    } else if let Some(flag) = flag {
        let edits: Option<Vec<Edit>> = installs
            .iter()
            .map(|p| p.insert_after_subcommand(flag))
            .collect();
        edits.map(|e| Fix::safe(format!("Add `{flag}`"), e))
    } else if conda && installs.iter().all(|p| p.part.editable) {
        let last = installs.last().unwrap_or(first);
        let tool = last.command.name().unwrap_or("conda");
        Some(Fix::unsafe_(
            format!("Append `{tool} clean -afy`"),
            vec![Edit::insert(
                last.span().end,
                format!(" && {tool} clean -afy"),
            )],
        ))
    } else {
        None
    };
    let mount = format!("RUN --mount=type=cache,target={dir} ...");
    let what = if installs.len() > 1 {
        format!("{} installs keep", installs.len())
    } else {
        format!("`{}` keeps", tool_label(first.install.tool))
    };
    Finding::new(
        &RULE,
        first.span(),
        format!("{what} downloaded packages in {dir} inside the layer"),
    )
    .help(format!(
        "better: `{mount}` keeps the cache out of the image and reuses it across builds"
    ))
    .maybe_savings(savings)
    .maybe_fix(fix)
}
