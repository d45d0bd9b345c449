//! ## What it does
//! Flags a RUN that downloads model weights while building:
//! `huggingface-cli download` / `hf download`, `wget`/`curl` of weight
//! files (`.safetensors`, `.pt`, `.gguf`, `.onnx`, a Hugging Face
//! `resolve/` URL) or of an archive under a models path, and Python
//! (`python -c` or a heredoc fed to python) calling `from_pretrained`,
//! `snapshot_download`, `hf_hub_download`, `SentenceTransformer(...)` or
//! `pipeline(...)`. A tokenizer (`AutoTokenizer.from_pretrained`) is a small
//! file, not weights. A download in a builder stage counts when the image
//! copies that stage's files.
//!
//! ## Why it matters
//! The weights are baked into a layer (hundreds of megabytes to tens of
//! gigabytes) that every pull moves, and downloaded again whenever the
//! layer rebuilds: after every code change when the download comes after
//! the code is copied. Models usually belong in a volume or object store
//! fetched at start, or, if they must be in the image, in a step placed
//! before the code with a cache mount so rebuilds do not download again.
//!
//! ## Example
//! ```dockerfile
//! COPY . /app
//! RUN python -c "from sentence_transformers import SentenceTransformer; SentenceTransformer('all-MiniLM-L6-v2')"
//! ```
//!
//! Use instead: download at start into a mounted volume, or move the step
//! before `COPY . /app` and use
//! `RUN --mount=type=cache,target=/root/.cache/huggingface ...` with an
//! explicit copy out of the cache.
//!
//! ## Fix safety
//! No automatic fix: where the model should come from is a deployment
//! decision.

use ballast_ml::models::estimated_size;
use ballast_shell::misc::{model_downloads, python_calls, weight_downloads};

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::cache::deps_installed_after_code::copies_code;
use ballast_context::runs::PartKind;

pub(crate) static RULE: Rule = Rule {
    code: "BL304",
    name: names::MODEL_DOWNLOADED_AT_BUILD.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Model weights are downloaded during the build",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let mut found: Vec<(ballast_dockerfile::Span, String)> = Vec::new();
        for (part, cmd) in run.commands() {
            for m in model_downloads(cmd)
                .into_iter()
                .chain(weight_downloads(cmd))
            {
                found.push((part.span(cmd.span), m));
            }
        }
        for part in run.parts.iter().filter(|p| p.kind == PartKind::Python) {
            for m in python_calls(&part.text) {
                found.push((part.span((0, part.text.trim_end().len())), m));
            }
        }
        if found.is_empty() {
            continue;
        }
        let stage = cx.stage_of(run.index);
        let after_code = cx
            .graph
            .instructions_of(stage.unwrap_or(0))
            .take_while(|i| *i < run.index)
            .find(|i| copies_code(cx, *i));
        for (span, model) in found {
            let size = estimated_size(&model);
            let (message, savings) = match after_code {
                Some(copy) => (
                    format!(
                        "downloads `{model}` at build, after line {} copies the code: every code change downloads it again",
                        cx.inst(copy).start_line
                    ),
                    size.map(|(b, basis)| {
                        Savings::rebuild(
                            b,
                            format!("{basis}; downloaded again after each code change"),
                        )
                    }),
                ),
                None if cx.in_image(run.index) => (
                    format!(
                        "downloads `{model}` at build: the weights are baked into a layer every pull moves"
                    ),
                    size.map(|(b, basis)| Savings::image(b, basis)),
                ),
                None if stage.is_some_and(|s| cx.stage_reaches_image(s)) => (
                    format!(
                        "downloads `{model}` at build in stage {}, whose files the image copies: the weights are baked into a layer every pull moves",
                        stage
                            .map(|s| cx.graph.stages[s].label())
                            .unwrap_or_default()
                    ),
                    size.map(|(b, basis)| Savings::image(b, basis)),
                ),
                None => (
                    format!("downloads `{model}` at build, in a builder stage"),
                    None,
                ),
            };
            out.push(
                Finding::new(&RULE, span, message)
                    .help("fetch models at start into a volume, or download before copying the code with a cache mount on the hub cache")
                    .maybe_savings(savings),
            );
        }
    }
}
