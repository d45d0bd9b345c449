//! BuildKit's build checks (`docker build --check`), under their kebab-case
//! names with BuildKit's as aliases. Every stage is checked, as BuildKit's
//! lint request does, whatever the target; messages are BuildKit's own.
pub(crate) mod consistent_instruction_casing;
pub(crate) mod copy_ignored_file;
pub(crate) mod duplicate_stage_name;
pub(crate) mod expose_invalid_format;
pub(crate) mod expose_proto_casing;
pub(crate) mod from_as_casing;
pub(crate) mod from_platform_flag_const_disallowed;
pub(crate) mod invalid_base_image_platform;
pub(crate) mod invalid_default_arg_in_from;
pub(crate) mod invalid_definition_description;
pub(crate) mod json_args_recommended;
pub(crate) mod legacy_key_value_format;
pub(crate) mod maintainer_deprecated;
pub(crate) mod multiple_instructions_disallowed;
pub(crate) mod no_empty_continuation;
pub(crate) mod redundant_target_platform;
pub(crate) mod reserved_stage_name;
pub(crate) mod stage_name_casing;
pub(crate) mod undefined_arg_in_from;
pub(crate) mod undefined_var;
pub(crate) mod workdir_relative_path;

use ballast_dockerfile::instructions::FromArgs;
use ballast_dockerfile::{Arg, Instruction, Keyword, Span};

use crate::checker::Checker;

/// Every FROM of the file with its arguments, in order.
pub(crate) fn froms<'a>(
    cx: &'a Checker<'_>,
) -> impl Iterator<Item = (usize, &'a Instruction, FromArgs)> + 'a {
    cx.df
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, inst)| inst.keyword == Keyword::From)
        .filter_map(|(i, inst)| FromArgs::parse(inst).ok().map(|a| (i, inst, a)))
}

/// The name of every named stage (`FROM image AS name`), as written, and its span.
pub(crate) fn stage_names<'a>(cx: &'a Checker<'_>) -> impl Iterator<Item = (String, Span)> + 'a {
    froms(cx).filter_map(|(_, _, args)| Some((args.name?, args.name_span?)))
}

/// Every port of every `EXPOSE`, as written.
pub(crate) fn exposed<'a>(cx: &'a Checker<'_>) -> impl Iterator<Item = &'a Arg> + 'a {
    cx.df
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Expose)
        .flat_map(|i| &i.args)
}

/// The closest of `candidates` to `name`, as BuildKit suggests a name it
/// does not know (`did you mean ...?`): a small edit distance, case
/// ignored, and never the name itself.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.len() / 4).max(2);
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit && *d < name.len())
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// The platform arguments BuildKit defines for every FROM.
pub(crate) const PLATFORM_ARGS: [&str; 8] = [
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// The ARGs declared before the first FROM, in order, with their default
/// as BuildKit reads it (quotes removed, earlier ARGs expanded); `None`
/// for an ARG without a default.
pub(crate) fn global_args(cx: &Checker<'_>) -> Vec<(String, Option<String>)> {
    let lex = ballast_dockerfile::words::Lex::new(cx.df.escape);
    let mut env: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if cx.stage_of(i).is_some() || inst.keyword == Keyword::From {
            break;
        }
        if inst.keyword != Keyword::Arg {
            continue;
        }
        for arg in &inst.args {
            let (name, default) = match arg.value.split_once('=') {
                Some((n, raw)) => (n, lex.process_word(raw, &env).ok()),
                None => (arg.value.as_str(), None),
            };
            if let Some(d) = &default {
                env.insert(name.to_string(), d.clone());
            }
            out.push((name.to_string(), default));
        }
    }
    out
}
