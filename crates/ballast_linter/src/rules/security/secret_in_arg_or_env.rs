//! ## What it does
//! Flags `ENV` and `ARG` that carry a secret: a name like `HF_TOKEN`,
//! `OPENAI_API_KEY`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD` (matched by
//! name segments, so `TOKENIZERS_PARALLELISM` and `HF_TOKEN_PATH` are not),
//! or a value shaped like a known token (`hf_...`, `sk-...`, `ghp_...`,
//! `AKIA...`). ENV is judged in the stages that end up in the image; ARG in
//! those too (build arguments used by RUN are recorded in the image
//! history), and anywhere when it has a literal default.
//!
//! ## Why it matters
//! ENV values are stored in the image configuration and ARG values in its
//! history: anyone who can pull the image reads them with `docker inspect`
//! or `docker history`. A Hugging Face or OpenAI token leaked this way is
//! a bill and a data breach.
//!
//! ## Example
//! ```dockerfile
//! ARG HF_TOKEN
//! RUN huggingface-cli login --token $HF_TOKEN
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN --mount=type=secret,id=hf_token,env=HF_TOKEN huggingface-cli download org/model
//! ```
//! built with `docker build --secret id=hf_token,env=HF_TOKEN .`.
//!
//! ## BuildKit's SecretsUsedInArgOrEnv
//! This rule answers to BuildKit's name too (`# check=skip=SecretsUsedInArgOrEnv`
//! silences it), but judges differently, on purpose. BuildKit flags any
//! name with `key`, `token`, `secret`, `password`, `auth` or `apikey` as
//! an underscore-separated part, so `KEY_NAME` and `AUTH_MODE` are
//! reported (buildkit#5775); ballast matches name segments against the
//! shapes secrets take (`*_API_KEY`, `*_TOKEN`, `*_PASSWORD`), so on BuildKit's own
//! test file it is silent on `auth=bar` (a name alone, no secret shape)
//! and on `git_key=` (an empty value bakes nothing in), and it also
//! catches token-shaped values under innocent names. It reports ENV as an
//! error and ARG as a warning, with its own message.
//!
//! ## Fix safety
//! No automatic fix: the build command must pass the secret differently.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::stages::env_pairs;

use ballast_ml::secrets::{is_placeholder, is_secret_name, is_secret_value};

use crate::checker::Checker;
use crate::finding::Finding;
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    code: "BL402",
    name: names::SECRET_IN_ARG_OR_ENV.as_str(),
    family: Family::Security,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A secret is passed through ARG or ENV and stays in the image",
    hadolint: &["DL3064"],
    buildkit: Some("SecretsUsedInArgOrEnv"),
    check,
    ..Rule::OPTIONAL
};

/// What an ENV value holds once built: variables expanded as BuildKit
/// does (an undeclared one is empty); a reference to a build argument
/// whose value comes with the build is kept, since that value is baked in.
fn env_value(cx: &Checker<'_>, i: usize, raw: &str) -> String {
    let Some(scope) = cx.scope(i) else {
        return raw.to_string();
    };
    match scope.expand(raw, cx.df.escape) {
        Ok(x) if x.unmatched.iter().any(|n| scope.get(n).is_some()) => raw.to_string(),
        Ok(x) => x.result,
        Err(_) => raw.to_string(),
    }
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        let global = cx.stage_of(i).is_none();
        match inst.keyword {
            Keyword::Env if cx.in_image(i) => {
                for (k, raw) in env_pairs(inst) {
                    let v = env_value(cx, i, &raw);
                    if is_secret_value(&v) {
                        out.push(Finding::new(&RULE, inst.span, format!("ENV `{k}` holds what looks like a real token; it is stored in the image config")).help("revoke the token, and pass secrets with `RUN --mount=type=secret`"));
                    } else if is_secret_name(&k) && !is_placeholder(&v) {
                        out.push(Finding::new(&RULE, inst.span, format!("ENV `{k}` looks like a secret: every image pull exposes it (`docker inspect`)")).help(format!("pass it at run time, or to a build step with `RUN --mount=type=secret,id={},env={k}`", k.to_ascii_lowercase())));
                    }
                }
            }
            Keyword::Arg => {
                let judged = global || cx.is_reachable(i);
                for v in inst.values() {
                    let (k, default) = match v.split_once('=') {
                        Some((k, d)) => (k, Some(d)),
                        None => (v, None),
                    };
                    if default.is_some_and(is_secret_value) {
                        out.push(Finding::new(&RULE, inst.span, format!("ARG `{k}` has what looks like a real token as its default, in the Dockerfile itself")).help("revoke the token, and pass secrets with `RUN --mount=type=secret`"));
                    } else if judged
                        && is_secret_name(k)
                        && (cx.in_image(i) || default.is_some_and(|d| !is_placeholder(d)))
                    {
                        out.push(
                            Finding::new(&RULE, inst.span, format!("ARG `{k}` looks like a secret: build arguments used by RUN are recorded in the image history"))
                                .severity(Severity::Warning)
                                .help(format!("use `RUN --mount=type=secret,id={},env={k} ...` and `docker build --secret`", k.to_ascii_lowercase())),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}
