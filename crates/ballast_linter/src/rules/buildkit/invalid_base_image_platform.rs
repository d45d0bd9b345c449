//! ## What it does
//! Flags a `FROM` whose image is not published for the platform the stage
//! is built for: the stage's `--platform`, else the build's target
//! platform (`linux/amd64` unless `--platform` says otherwise, as
//! everywhere in ballast's model).
//!
//! BuildKit checks this after pulling the image; ballast checks offline,
//! from a dated table of the platforms common base images are published
//! for (`ballast_ml::bases::base_platforms`: the official python, debian,
//! ubuntu and alpine images, `nvidia/cuda`, `pytorch/pytorch`, NGC's
//! PyTorch), and stays silent on images the table does not know. With
//! `--resolve-bases` the platforms come from the registry's index (or the
//! daemon's image) instead.
//!
//! ## Why it matters
//! BuildKit falls back to the platform the image has: an arm64 build of
//! `pytorch/pytorch` (published for amd64 only) gets amd64 binaries that
//! run under emulation, many times slower, or not at all where no emulator
//! is installed.
//!
//! ## Example
//! ```dockerfile
//! FROM --platform=linux/arm64 pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
//! ```
//!
//! Use instead: a base published for arm64 (`nvcr.io/nvidia/pytorch`, or
//! `python:3.12-slim` with torch's aarch64 wheels), or build for amd64.
//!
//! ## Fix safety
//! No fix: which base to use is the author's call.

use ballast_ml::bases::{TABLE, platform_without_variant, platforms};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL621",
    name: "invalid-base-image-platform",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Base image platform does not match expected target platform",
    buildkit: Some("InvalidBaseImagePlatform"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let every_stage: Vec<usize> = (0..cx.graph.stages.len()).collect();
    for base in cx.from_images(&every_stage) {
        let (image, span) = (base.image, base.span);
        let expected = cx.graph.platform_of(&cx.graph.stages[base.stage]);
        if expected.contains('$') || image.contains('$') {
            continue;
        }
        let expected = platform_without_variant(expected);
        let Some((published, from)) = platforms(image, cx.bases) else {
            continue;
        };
        if published.contains(&expected.as_str()) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                span,
                format!(
                    "Base image {image} was pulled with platform {:?}, expected {expected:?} for current build",
                    published.join(", ")
                ),
            )
            .help(format!(
                "{image} is published for {} only ({}): use a base built for {expected}",
                published.join(", "),
                if from == TABLE { "ballast's table of base images, 2026-12" } else { from }
            )),
        );
    }
}
