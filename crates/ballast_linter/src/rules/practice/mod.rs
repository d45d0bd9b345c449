//! Build practices hadolint checks: commands that prompt for input, stage
//! references that name no stage, pipes whose failures go unseen, and the
//! opt-in style checks teams keep (pinned packages, one RUN per step).
//! Every stage is checked, whatever the target: these are about the
//! Dockerfile's code, as in hadolint.
pub(crate) mod apt_get_without_yes;
pub(crate) mod apt_instead_of_apt_get;
pub(crate) mod cd_in_run;
pub(crate) mod consecutive_runs;
pub(crate) mod copy_from_own_stage;
pub(crate) mod copy_from_unknown_stage;
pub(crate) mod copy_relative_without_workdir;
pub(crate) mod package_version_unpinned;
pub(crate) mod pipe_without_pipefail;

use ballast_dockerfile::Keyword;

use crate::checker::Checker;

/// Every COPY (and ADD) `--from=` of the file: (instruction, its stage,
/// the value as expanded, the flag's span).
pub(crate) fn copy_froms(
    cx: &Checker<'_>,
) -> Vec<(usize, usize, String, ballast_dockerfile::Span)> {
    let mut out = Vec::new();
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let (Some(stage), Some(flag)) = (cx.stage_of(i), inst.flag("from")) else {
            continue;
        };
        let Some(value) = flag.value() else { continue };
        let value = match cx.scope(i) {
            Some(scope) => scope.expand_keep_unknown(value, cx.df.escape),
            None => value.to_string(),
        };
        out.push((i, stage, value, flag.span));
    }
    out
}
