//! What lint findings and image findings share: how serious a finding is,
//! and the names of the rules an image finding reports under (the linter's
//! rule for the same cause, whose docs and suppressions apply).

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `info`, `warning` (or `warn`), `error`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's name (`pip-cache-kept`) as an image finding gives it: only the
/// names below exist, each one the linter declares a rule with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RuleName(&'static str);

impl RuleName {
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The rules both the linter and the image analysis report under.
pub mod names {
    use super::RuleName;

    pub const APT_LISTS_KEPT: RuleName = RuleName("apt-lists-kept");
    pub const BUILD_TOOLS_IN_FINAL_STAGE: RuleName = RuleName("build-tools-in-final-stage");
    pub const CLEANUP_IN_LATER_LAYER: RuleName = RuleName("cleanup-in-later-layer");
    pub const CONTEXT_SHIPS_JUNK: RuleName = RuleName("context-ships-junk");
    pub const CUDA_DEVEL_BASE_IN_FINAL_STAGE: RuleName = RuleName("cuda-devel-base-in-final-stage");
    pub const CUDA_TORCH_WITHOUT_GPU: RuleName = RuleName("cuda-torch-without-gpu");
    pub const DEV_PACKAGES_IN_IMAGE: RuleName = RuleName("dev-packages-in-image");
    pub const DUPLICATE_CUDA_RUNTIME: RuleName = RuleName("duplicate-cuda-runtime");
    pub const HF_CACHE_IN_IMAGE: RuleName = RuleName("hf-cache-in-image");
    pub const MODEL_DOWNLOADED_AT_BUILD: RuleName = RuleName("model-downloaded-at-build");
    pub const OPENCV_GUI_IN_SERVER: RuleName = RuleName("opencv-gui-in-server");
    pub const PIP_CACHE_KEPT: RuleName = RuleName("pip-cache-kept");
    pub const ROOT_USER: RuleName = RuleName("root-user");
    pub const SECRET_IN_ARG_OR_ENV: RuleName = RuleName("secret-in-arg-or-env");

    /// Every name above.
    pub const ALL: &[RuleName] = &[
        APT_LISTS_KEPT,
        BUILD_TOOLS_IN_FINAL_STAGE,
        CLEANUP_IN_LATER_LAYER,
        CONTEXT_SHIPS_JUNK,
        CUDA_DEVEL_BASE_IN_FINAL_STAGE,
        CUDA_TORCH_WITHOUT_GPU,
        DEV_PACKAGES_IN_IMAGE,
        DUPLICATE_CUDA_RUNTIME,
        HF_CACHE_IN_IMAGE,
        MODEL_DOWNLOADED_AT_BUILD,
        OPENCV_GUI_IN_SERVER,
        PIP_CACHE_KEPT,
        ROOT_USER,
        SECRET_IN_ARG_OR_ENV,
    ];
}
