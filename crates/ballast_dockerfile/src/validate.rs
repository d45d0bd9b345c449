//! The checks BuildKit's `instructions` package makes after the parser has
//! accepted a line: argument counts, builder flags (known names, values,
//! repeats), HEALTHCHECK options, SHELL's JSON form, empty VOLUMEs and mount
//! types. A file that fails one of these does not build, so ballast reports it
//! as an error instead of linting a file BuildKit would reject.
//!
//! The order of the checks within one instruction follows BuildKit's, so the
//! first message is the one `docker build` would print.

use crate::ast::{Instruction, Keyword};
use crate::instructions::CopyArgs;

/// How BuildKit reads a flag's value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    /// `--link`, `--link=true|false`.
    Bool,
    /// `--from=x`, once.
    String,
    /// `--mount=x`, repeatable.
    Strings,
}

use FlagKind::{Bool, String as Str, Strings};

/// The flags each instruction declares before BuildKit parses them (the
/// Dockerfile frontend's labs channel included, so that `COPY --parents` and
/// `RUN --device` are accepted). `None`: the instruction never parses its
/// flags, so BuildKit ignores whatever is written (ARG, STOPSIGNAL).
fn declared_flags(keyword: Keyword) -> Option<&'static [(&'static str, FlagKind)]> {
    Some(match keyword {
        Keyword::Run => &[
            ("mount", Strings),
            ("network", Str),
            ("security", Str),
            ("device", Strings),
        ],
        Keyword::Copy => &[
            ("chown", Str),
            ("from", Str),
            ("chmod", Str),
            ("link", Bool),
            ("exclude", Strings),
            ("parents", Bool),
        ],
        Keyword::Add => &[
            ("exclude", Strings),
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("unpack", Bool),
            ("parents", Bool),
        ],
        Keyword::From => &[("platform", Str)],
        Keyword::Healthcheck => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        Keyword::Arg | Keyword::Stopsignal | Keyword::Unknown => return None,
        _ => &[],
    })
}

/// BuildKit's `BFlags.Parse`: the first problem with the written flags.
fn check_flags(inst: &Instruction, declared: &[(&str, FlagKind)]) -> Option<String> {
    let mut used: Vec<&str> = Vec::new();
    for flag in &inst.flags {
        let Some(body) = flag.text.strip_prefix("--") else {
            return Some(format!("Arg should start with -- : {}", flag.text));
        };
        if body.is_empty() {
            // A bare `--` ends the flags.
            return None;
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(&(_, kind)) = declared.iter().find(|(n, _)| *n == name) else {
            return Some(format!("unknown flag: {name}"));
        };
        if used.contains(&name) && kind != Strings {
            return Some(format!("duplicate flag specified: {name}"));
        }
        used.push(name);
        match (kind, value) {
            (Bool, Some("")) | (Str | Strings, None) => {
                return Some(format!("missing a value on flag: {name}"));
            }
            (Bool, Some(v))
                if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
            {
                return Some(format!("expecting boolean value for flag {name}, not: {v}"));
            }
            _ => {}
        }
    }
    None
}

/// The first error BuildKit reports for this instruction, or `None`. An
/// ONBUILD is checked as a wrapper, then its trigger as the instruction it
/// will run (the child build would fail on it).
pub(crate) fn instruction_error(inst: &Instruction) -> Option<String> {
    let name = inst.name();
    let n = inst.args.len();
    let flags = |keyword| declared_flags(keyword).and_then(|d| check_flags(inst, d));
    match inst.keyword {
        Keyword::Env | Keyword::Label => flags(inst.keyword)
            .or_else(|| (n == 0).then(|| format!("{name} requires at least one argument"))),
        Keyword::Maintainer | Keyword::Workdir | Keyword::User => {
            if n != 1 {
                return Some(format!("{name} requires exactly one argument"));
            }
            flags(inst.keyword)
        }
        Keyword::Stopsignal => (n != 1).then(|| format!("{name} requires exactly one argument")),
        Keyword::Copy | Keyword::Add => {
            if let Err(e) = CopyArgs::parse(inst) {
                return Some(e);
            }
            flags(inst.keyword).or_else(|| {
                let dest = inst.args.last().map(|a| a.value.as_str()).unwrap_or("");
                (!inst.json && matches!(crate::parse_heredoc_word(dest), Ok(Some(_))))
                    .then(|| format!("{name} cannot accept a heredoc as a destination"))
            })
        }
        Keyword::From => flags(Keyword::From),
        Keyword::Run => flags(Keyword::Run).or_else(|| mount_error(inst)),
        Keyword::Cmd | Keyword::Entrypoint => flags(inst.keyword),
        Keyword::Expose => {
            if n == 0 {
                return Some(format!("{name} requires at least one argument"));
            }
            flags(Keyword::Expose)
        }
        Keyword::Volume => {
            if n == 0 {
                return Some(format!("{name} requires at least one argument"));
            }
            flags(Keyword::Volume).or_else(|| {
                inst.args
                    .iter()
                    .any(|a| a.value.trim().is_empty())
                    .then(|| "VOLUME specified can not be an empty string".to_string())
            })
        }
        Keyword::Shell => flags(Keyword::Shell).or_else(|| {
            if n == 0 {
                Some("SHELL requires at least one argument".into())
            } else if !inst.json {
                Some("SHELL requires the arguments to be in JSON form".into())
            } else {
                None
            }
        }),
        Keyword::Healthcheck => healthcheck_error(inst),
        Keyword::Onbuild => {
            let Some(trigger) = inst.sub.as_deref() else {
                return Some("ONBUILD requires at least one argument".into());
            };
            if let Some(e) = flags(Keyword::Onbuild) {
                return Some(e);
            }
            match trigger.keyword {
                Keyword::Onbuild => {
                    Some("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into())
                }
                k @ (Keyword::From | Keyword::Maintainer) => Some(format!(
                    "{} isn't allowed as an ONBUILD trigger",
                    k.as_str().unwrap_or_default()
                )),
                _ => instruction_error(trigger),
            }
        }
        Keyword::Arg | Keyword::Unknown => None,
    }
}

/// BuildKit's `parseMount`: keys, types, values and the combinations it
/// refuses. Values that use variables are checked only for being there:
/// BuildKit expands them before reading them.
fn mount_error(inst: &Instruction) -> Option<String> {
    inst.flags_named("mount")
        .find_map(|flag| one_mount_error(flag.value().unwrap_or("")))
}

fn one_mount_error(spec: &str) -> Option<String> {
    let mount = crate::instructions::Mount::parse(spec, crate::ast::Span::default());
    let mut kind = "bind".to_string();
    let (mut has_from, mut has_source, mut has_target, mut has_id) = (false, false, false, false);
    let (mut file_info, mut sharing) = (None::<&str>, false); // first of mode/uid/gid
    for (key, value) in &mount.fields {
        let secret_or_ssh = kind == "secret" || kind == "ssh";
        let Some(value) = value else {
            match key.as_str() {
                "readonly" | "ro" | "readwrite" | "rw" => continue,
                "required" if secret_or_ssh => continue,
                "required" => {
                    return Some(format!("unexpected key '{key}' for mount type '{kind}'"));
                }
                _ => return Some(format!("invalid field '{key}' must be a key=value pair")),
            }
        };
        let literal = !value.contains('$');
        let bad_value = || Some(format!("invalid value for {key}: {value}"));
        match key.as_str() {
            "type" if literal => {
                let lower = value.to_ascii_lowercase();
                if !matches!(
                    lower.as_str(),
                    "bind" | "cache" | "tmpfs" | "secret" | "ssh"
                ) {
                    return Some(format!(
                        "unsupported mount type {}",
                        crate::go::quote(value)
                    ));
                }
                kind = lower;
            }
            "type" => return None, // the type is only known at build time
            "from" => has_from = true,
            "source" | "src" => has_source = true,
            "target" | "dst" | "destination" => has_target = true,
            "id" => has_id = true,
            "readonly" | "ro" | "readwrite" | "rw" => {
                if literal && go_parse_bool(value).is_none() {
                    return bad_value();
                }
            }
            "required" if secret_or_ssh => {
                if literal && go_parse_bool(value).is_none() {
                    return bad_value();
                }
            }
            "required" => return Some(format!("unexpected key '{key}' for mount type '{kind}'")),
            "sharing" => {
                if literal
                    && !matches!(
                        value.to_ascii_lowercase().as_str(),
                        "shared" | "private" | "locked"
                    )
                {
                    return Some(format!(
                        "unsupported sharing value {}",
                        crate::go::quote(value)
                    ));
                }
                sharing = true;
            }
            "mode" | "uid" | "gid" => {
                let radix = if key == "mode" { 8 } else { 10 };
                if literal && u32::from_str_radix(value.trim_start_matches('+'), radix).is_err() {
                    return Some(format!("invalid value {value} for {key}"));
                }
                file_info = file_info.or(Some(key.as_str()));
            }
            // Newer frontends: tmpfs size, secret as an environment variable.
            "size" | "env" => {}
            _ => return Some(format!("unexpected key '{key}' in '{key}={value}'")),
        }
    }
    if let Some(what) = file_info
        && !matches!(kind.as_str(), "secret" | "ssh" | "cache")
    {
        return Some(format!(
            "{what} not allowed for {} type mounts",
            crate::go::quote(&kind)
        ));
    }
    if sharing && kind != "cache" {
        return Some(format!("invalid cache sharing set for {kind} mount"));
    }
    if kind == "secret" {
        if has_from {
            return Some("secret mount should not have a from".into());
        }
        if !has_source && !has_target && !has_id && !mount.fields.iter().any(|(k, _)| k == "env") {
            return Some("invalid secret mount. one of source, target required".into());
        }
        if has_source && has_id {
            return Some("both source and id can't be set".into());
        }
    }
    None
}

/// Go's `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn healthcheck_error(inst: &Instruction) -> Option<String> {
    let Some(first) = inst.args.first() else {
        return Some("HEALTHCHECK requires at least one argument".into());
    };
    let kind = first.value.to_uppercase();
    if kind == "NONE" {
        // BuildKit does not read the flags of HEALTHCHECK NONE.
        return (inst.args.len() > 1).then(|| "HEALTHCHECK NONE takes no arguments".into());
    }
    if let Some(e) = declared_flags(Keyword::Healthcheck).and_then(|d| check_flags(inst, d)) {
        return Some(e);
    }
    if kind != "CMD" {
        return Some(format!(
            "Unknown type {} in HEALTHCHECK (try CMD)",
            crate::go::quote(&kind)
        ));
    }
    if inst.args.len() < 2 {
        return Some("Missing command after HEALTHCHECK CMD".into());
    }
    for option in ["interval", "timeout", "start-period", "start-interval"] {
        let Some(value) = inst.flag(option).and_then(|f| f.value()) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        match go_duration_nanos(value) {
            Err(e) => return Some(e),
            Ok(d) if d != 0 && d < 1_000_000 => {
                return Some(format!(
                    "Interval {} cannot be less than 1ms",
                    crate::go::quote(option)
                ));
            }
            Ok(_) => {}
        }
    }
    if let Some(value) = inst.flag("retries").and_then(|f| f.value())
        && !value.is_empty()
    {
        match go_parse_int32(value) {
            Err(e) => {
                return Some(format!(
                    "strconv.ParseInt: parsing {}: {e}",
                    crate::go::quote(value)
                ));
            }
            Ok(r) if r < 0 => return Some(format!("--retries cannot be negative ({r})")),
            Ok(_) => {}
        }
    }
    None
}

/// Go's `time.ParseDuration`, in nanoseconds (fractions truncated), with
/// Go's error messages.
fn go_duration_nanos(text: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", crate::go::quote(text));
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut number_len = int_len;
        let mut frac_len = 0;
        if rest[int_len..].starts_with('.') {
            frac_len = rest[int_len + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            number_len = int_len + 1 + frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!(
                "time: missing unit in duration {}",
                crate::go::quote(text)
            ));
        }
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::go::quote(unit),
                    crate::go::quote(text)
                ));
            }
        };
        total += number * scale;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        rest = &rest[unit_len..];
    }
    let nanos = total as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// Go's `strconv.ParseInt(s, 10, 32)`.
fn go_parse_int32(text: &str) -> Result<i64, &'static str> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid syntax");
    }
    let value: i64 = text
        .trim_start_matches('+')
        .parse()
        .map_err(|_| "value out of range")?;
    if value < i32::MIN as i64 || value > i32::MAX as i64 {
        return Err("value out of range");
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dockerfile;

    fn error_of(line: &str) -> Option<String> {
        let df = Dockerfile::parse(&format!("FROM scratch\n{line}\n"));
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        instruction_error(&df.instructions[1])
    }

    #[test]
    fn flags_are_checked_as_buildkit_checks_them() {
        let cases = [
            ("RUN --bogus x", Some("unknown flag: bogus")),
            (
                "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t x",
                None,
            ),
            (
                "RUN --network=none --network=host x",
                Some("duplicate flag specified: network"),
            ),
            ("RUN --network x", Some("missing a value on flag: network")),
            (
                "RUN --mount=type=bogus,target=/x x",
                Some("unsupported mount type \"bogus\""),
            ),
            ("RUN --mount=type=$T,target=/x x", None),
            (
                "RUN --mount=type=cache,target=/root/.cache,sharing=locked,mode=0755,uid=1000 x",
                None,
            ),
            ("RUN --mount=type=secret,id=tok,required x", None),
            ("RUN --mount=type=secret,id=tok,env=TOKEN x", None),
            (
                "RUN --mount=type=bind,from=builder,source=/w,target=/x,rw x",
                None,
            ),
            ("RUN --mount=type=tmpfs,target=/t,size=64m x", None),
            (
                "RUN --mount=type=cache,target=/x,colour=blue x",
                Some("unexpected key 'colour' in 'colour=blue'"),
            ),
            (
                "RUN --mount=type=cache,target=/x,bogus x",
                Some("invalid field 'bogus' must be a key=value pair"),
            ),
            (
                "RUN --mount=target=/x,required x",
                Some("unexpected key 'required' for mount type 'bind'"),
            ),
            (
                "RUN --mount=type=cache,target=/x,sharing=sometimes x",
                Some("unsupported sharing value \"sometimes\""),
            ),
            (
                "RUN --mount=type=bind,target=/x,sharing=locked x",
                Some("invalid cache sharing set for bind mount"),
            ),
            (
                "RUN --mount=type=bind,target=/x,uid=0 x",
                Some("uid not allowed for \"bind\" type mounts"),
            ),
            (
                "RUN --mount=type=cache,target=/x,mode=999 x",
                Some("invalid value 999 for mode"),
            ),
            (
                "RUN --mount=type=bind,target=/x,ro=maybe x",
                Some("invalid value for ro: maybe"),
            ),
            (
                "RUN --mount=type=secret,from=a,id=x x",
                Some("secret mount should not have a from"),
            ),
            (
                "RUN --mount=type=secret x",
                Some("invalid secret mount. one of source, target required"),
            ),
            (
                "RUN --mount=type=secret,id=a,source=b x",
                Some("both source and id can't be set"),
            ),
            ("RUN --mount=type=cache,target=$DIR,uid=$UID x", None),
            ("COPY --link --chown=1:1 a b", None),
            (
                "COPY --link=yes a b",
                Some("expecting boolean value for flag link, not: yes"),
            ),
            ("COPY --link= a b", Some("missing a value on flag: link")),
            ("COPY --parents --exclude=*.pyc --exclude=x a b", None),
            (
                "COPY --checksum=sha256:0 a b",
                Some("unknown flag: checksum"),
            ),
            (
                "ADD --checksum=sha256:0 --keep-git-dir --unpack=false a b",
                None,
            ),
            ("ENV --x=1 A=b", Some("unknown flag: x")),
            ("WORKDIR --x /a", Some("unknown flag: x")),
            ("ARG --x A", None),
            ("STOPSIGNAL --x SIGTERM", None),
            ("CMD --x y", Some("unknown flag: x")),
            ("FROM --platform=linux/amd64 a", None),
            ("FROM --plat=linux/amd64 a", Some("unknown flag: plat")),
        ];
        for (line, want) in cases {
            assert_eq!(error_of(line).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn arguments_are_checked_as_buildkit_checks_them() {
        let cases = [
            ("ENV", Some("ENV requires at least one argument")),
            ("LABEL", Some("LABEL requires at least one argument")),
            ("USER a b", None), // one argument: USER takes the rest of the line
            (
                "SHELL sh -c",
                Some("SHELL requires the arguments to be in JSON form"),
            ),
            ("SHELL []", Some("SHELL requires at least one argument")),
            ("SHELL [\"sh\", \"-c\"]", None),
            (
                "VOLUME [\"\"]",
                Some("VOLUME specified can not be an empty string"),
            ),
            (
                "VOLUME [\"/a\", \" \"]",
                Some("VOLUME specified can not be an empty string"),
            ),
            ("VOLUME /data", None),
            ("RUN", None),
            ("CMD", None),
            (
                "COPY <<EOF <<DST\nx\nEOF\ny\nDST",
                Some("COPY cannot accept a heredoc as a destination"),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(error_of(line).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn healthcheck_is_checked_as_buildkit_checks_it() {
        let cases = [
            (
                "HEALTHCHECK",
                Some("HEALTHCHECK requires at least one argument"),
            ),
            ("HEALTHCHECK NONE", None),
            ("HEALTHCHECK --bogus NONE", None),
            (
                "HEALTHCHECK NONE x",
                Some("HEALTHCHECK NONE takes no arguments"),
            ),
            (
                "HEALTHCHECK FOO x",
                Some("Unknown type \"FOO\" in HEALTHCHECK (try CMD)"),
            ),
            (
                "HEALTHCHECK CMD",
                Some("Missing command after HEALTHCHECK CMD"),
            ),
            (
                "HEALTHCHECK CMD []",
                Some("Missing command after HEALTHCHECK CMD"),
            ),
            (
                "HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl x",
                None,
            ),
            ("HEALTHCHECK --interval=0 CMD x", None),
            ("HEALTHCHECK --interval=0s CMD x", None),
            (
                "HEALTHCHECK --interval=500us CMD x",
                Some("Interval \"interval\" cannot be less than 1ms"),
            ),
            (
                "HEALTHCHECK --timeout=-1s CMD x",
                Some("Interval \"timeout\" cannot be less than 1ms"),
            ),
            ("HEALTHCHECK --interval=1.5ms CMD x", None),
            (
                "HEALTHCHECK --interval=30 CMD x",
                Some("time: missing unit in duration \"30\""),
            ),
            (
                "HEALTHCHECK --interval=3d CMD x",
                Some("time: unknown unit \"d\" in duration \"3d\""),
            ),
            (
                "HEALTHCHECK --interval=s CMD x",
                Some("time: invalid duration \"s\""),
            ),
            (
                "HEALTHCHECK --retries=-1 CMD x",
                Some("--retries cannot be negative (-1)"),
            ),
            (
                "HEALTHCHECK --retries=x CMD x",
                Some("strconv.ParseInt: parsing \"x\": invalid syntax"),
            ),
            (
                "HEALTHCHECK --retries=9999999999 CMD x",
                Some("strconv.ParseInt: parsing \"9999999999\": value out of range"),
            ),
            (
                "HEALTHCHECK --retries=3 --retries=4 CMD x",
                Some("duplicate flag specified: retries"),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(error_of(line).as_deref(), want, "{line}");
        }
    }
}
