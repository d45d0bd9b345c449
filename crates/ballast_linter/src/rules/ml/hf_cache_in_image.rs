//! ## What it does
//! Flags a Hugging Face hub cache that ends up in the image:
//! - a COPY/ADD that takes a hub cache from the build context
//!   (`.cache/huggingface`, `hub/models--org--name` directories), measured
//!   from the context;
//! - a model downloaded at build into root's default cache
//!   (`/root/.cache/huggingface`, no `HF_HOME` / `HF_HUB_CACHE`) in an image
//!   that runs as another user, who looks for the cache in its own home and
//!   downloads the model again at start.
//!
//! ## Why it matters
//! A hub cache keeps blobs, snapshots of every revision fetched, and
//! partial downloads; copied from a laptop it often holds many models the
//! service never loads. A cache under `/root` that the runtime user does not
//! read is dead weight: the model is in the image and downloaded again.
//!
//! ## Example
//! ```dockerfile
//! COPY .cache/huggingface /root/.cache/huggingface
//! ```
//!
//! Use instead: download the one model the service needs into a known
//! directory (`huggingface-cli download org/model --local-dir /models/x`)
//! or at start into a volume; set `HF_HOME` to a directory the runtime user
//! reads.
//!
//! ## Fix safety
//! No automatic fix.

use ballast_context::walk::Kind;
use ballast_dockerfile::Keyword;
use ballast_ml::models::estimated_size;
use ballast_shell::misc::{model_downloads, python_calls};

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::security::root_user::last_user;
use ballast_context::runs::PartKind;

pub(crate) static RULE: Rule = Rule {
    code: "BL305",
    name: names::HF_CACHE_IN_IMAGE.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A Hugging Face hub cache ends up in the image",
    check,
    ..Rule::OPTIONAL
};

fn is_hub_cache_path(p: &str) -> bool {
    p.contains(".cache/huggingface")
        || p.split('/').any(ballast_ml::paths::is_hub_repo_dir)
        || p.contains("huggingface/hub")
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    copied_caches(cx, out);
    root_cache_for_other_user(cx, out);
}

fn copied_caches(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            continue;
        }
        if let (Some(ctx), Some(u)) = (cx.context, cx.uses.iter().find(|u| u.instruction == i)) {
            let mut bytes = 0;
            let mut example = None;
            for s in &u.sources {
                for m in &s.matched {
                    for e in ctx.context.under(m) {
                        if e.kind == Kind::File && !e.excluded && is_hub_cache_path(&e.path) {
                            bytes += e.size;
                            example.get_or_insert_with(|| e.path.clone());
                        }
                    }
                }
            }
            if let Some(example) = example {
                let dir = example
                    .find("models--")
                    .map(|k| example[..k].trim_end_matches('/').to_string())
                    .unwrap_or(example.clone());
                out.push(
                    Finding::new(&RULE, inst.keyword_span, format!("copies a Hugging Face hub cache from the build context ({dir})"))
                        .help("download the one model the service needs into a known directory, or fetch it at start")
                        .savings(Savings::image(bytes, format!("measured: hub cache files in the build context under {dir}"))),
                );
            }
        } else if inst.values().iter().any(|v| is_hub_cache_path(v)) {
            out.push(
                Finding::new(&RULE, inst.keyword_span, "copies a Hugging Face hub cache into the image")
                    .help("download the one model the service needs into a known directory, or fetch it at start"),
            );
        }
    }
}

fn root_cache_for_other_user(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    // The user the image runs as.
    let user = last_user(cx).map(|(_, u)| u.split(':').next().unwrap_or(&u).to_string());
    let Some(user) = user.filter(|u| !ballast_ml::images::is_root_user(u)) else {
        return;
    };
    for run in cx.image_runs() {
        let i = run.index;
        let custom = [
            "HF_HOME",
            "HF_HUB_CACHE",
            "HUGGINGFACE_HUB_CACHE",
            "TRANSFORMERS_CACHE",
            "SENTENCE_TRANSFORMERS_HOME",
            "XDG_CACHE_HOME",
        ]
        .iter()
        .any(|k| cx.var(i, k).is_some());
        // A download as root (no USER before it) into the default cache.
        let as_root = !cx
            .image_instructions()
            .into_iter()
            .take_while(|j| *j < i)
            .any(|j| cx.inst(j).keyword == Keyword::User);
        if custom || !as_root || run.cache_mount_ending(".cache/huggingface").is_some() {
            continue;
        }
        let mut models: Vec<(ballast_dockerfile::Span, String)> = Vec::new();
        for (part, cmd) in run.commands() {
            if cmd
                .words
                .iter()
                .any(|w| w.text.starts_with("--local-dir") || w.text.starts_with("--cache-dir"))
            {
                continue;
            }
            models.extend(
                model_downloads(cmd)
                    .into_iter()
                    .map(|m| (part.span(cmd.span), m)),
            );
        }
        for part in run.parts.iter().filter(|p| p.kind == PartKind::Python) {
            if !part.text.contains("cache_dir") && !part.text.contains("local_dir") {
                models.extend(
                    python_calls(&part.text)
                        .into_iter()
                        .map(|m| (part.span((0, part.text.trim_end().len())), m)),
                );
            }
        }
        for (span, model) in models {
            out.push(
                Finding::new(&RULE, span, format!("`{model}` lands in /root/.cache/huggingface, but the image runs as `{user}`, who will download it again"))
                    .help("set HF_HOME to a directory the runtime user reads (e.g. ENV HF_HOME=/models) before downloading")
                    .maybe_savings(estimated_size(&model).map(|(b, basis)| Savings::image(b, basis))),
            );
        }
    }
}
