//! Typed views of instruction arguments that several consumers need: FROM,
//! COPY/ADD sources and destination, and `RUN --mount` specifications.

use crate::ast::{Instruction, Keyword, Span};

/// `FROM [--platform=...] image [AS name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromArgs {
    /// The image reference as written (before ARG expansion).
    pub image: String,
    /// Where the image reference is.
    pub image_span: Span,
    /// The stage name as written (`AS name`).
    pub name: Option<String>,
    /// Where the stage name is.
    pub name_span: Option<Span>,
    /// `--platform` as written.
    pub platform: Option<String>,
}

impl FromArgs {
    /// Reads a FROM instruction; `Err` with BuildKit's message when malformed.
    pub fn parse(inst: &Instruction) -> Result<FromArgs, String> {
        let args = &inst.args;
        let ok = args.len() == 1 || (args.len() == 3 && args[1].value.eq_ignore_ascii_case("as"));
        if !ok {
            return Err("FROM requires either one or three arguments".into());
        }
        Ok(FromArgs {
            image: args[0].value.clone(),
            image_span: args[0].span,
            name: args.get(2).map(|a| a.value.clone()),
            name_span: args.get(2).map(|a| a.span),
            platform: inst
                .flag("platform")
                .and_then(|f| f.value())
                .map(str::to_string),
        })
    }
}

/// Whether a stage name is one BuildKit accepts (`^[a-z][a-z0-9-_.]*$` after lower-casing).
pub fn is_valid_stage_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut chars = lower.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_' | '.'))
}

/// One source of a COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySource {
    /// A path (or URL / git reference for ADD) as written.
    Path { value: String, span: Span },
    /// Inline content from a heredoc.
    Heredoc { name: String },
}

/// `COPY`/`ADD` sources and destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyArgs {
    /// Sources in order.
    pub sources: Vec<CopySource>,
    /// The destination as written.
    pub dest: String,
    /// Where the destination is.
    pub dest_span: Span,
}

impl CopyArgs {
    /// Reads the arguments of a COPY or ADD (not the ONBUILD wrapper).
    pub fn parse(inst: &Instruction) -> Result<CopyArgs, String> {
        let name = inst.name();
        if inst.args.len() < 2 {
            return Err(format!(
                "{name} requires at least two arguments, but only one was provided. Destination could not be determined"
            ));
        }
        let (dest, srcs) = inst.args.split_last().expect("checked length");
        let heredoc_names: Vec<&str> = inst.heredocs.iter().map(|h| h.name.as_str()).collect();
        let sources = srcs
            .iter()
            .map(|a| {
                if !inst.json
                    && let Ok(Some((hname, ..))) = crate::parse_heredoc_word(&a.value)
                    && heredoc_names.contains(&hname.as_str())
                {
                    return CopySource::Heredoc { name: hname };
                }
                CopySource::Path {
                    value: a.value.clone(),
                    span: a.span,
                }
            })
            .collect();
        Ok(CopyArgs {
            sources,
            dest: dest.value.clone(),
            dest_span: dest.span,
        })
    }
}

/// The kind of a `RUN --mount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountType {
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
    Other,
}

/// One `RUN --mount=...` specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `type=` (bind when absent).
    pub kind: MountType,
    /// `target=` / `dst=` / `destination=`.
    pub target: Option<String>,
    /// `source=` / `src=`.
    pub source: Option<String>,
    /// `from=`.
    pub from: Option<String>,
    /// `id=`.
    pub id: Option<String>,
    /// Every `key=value` as written, in order.
    pub fields: Vec<(String, Option<String>)>,
    /// Where the `--mount` flag is.
    pub span: Span,
}

impl Mount {
    /// The mounts of a RUN.
    pub fn of(inst: &Instruction) -> Vec<Mount> {
        if inst.keyword != Keyword::Run {
            return Vec::new();
        }
        inst.flags_named("mount")
            .map(|f| Mount::parse(f.value().unwrap_or(""), f.span))
            .collect()
    }

    /// Parses a mount specification (comma-separated, CSV quoting).
    pub fn parse(spec: &str, span: Span) -> Mount {
        let mut m = Mount {
            kind: MountType::Bind,
            target: None,
            source: None,
            from: None,
            id: None,
            fields: Vec::new(),
            span,
        };
        for field in split_csv(spec) {
            let (key, value) = match field.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.to_string())),
                None => (field.trim().to_ascii_lowercase(), None),
            };
            match (key.as_str(), &value) {
                ("type", Some(v)) => {
                    m.kind = match v.to_ascii_lowercase().as_str() {
                        "bind" => MountType::Bind,
                        "cache" => MountType::Cache,
                        "tmpfs" => MountType::Tmpfs,
                        "secret" => MountType::Secret,
                        "ssh" => MountType::Ssh,
                        _ => MountType::Other,
                    }
                }
                ("target" | "dst" | "destination", Some(v)) => m.target = Some(v.clone()),
                ("source" | "src", Some(v)) => m.source = Some(v.clone()),
                ("from", Some(v)) => m.from = Some(v.clone()),
                ("id", Some(v)) => m.id = Some(v.clone()),
                _ => {}
            }
            m.fields.push((key, value));
        }
        m
    }
}

/// Splits a CSV record: commas separate fields, double quotes group.
fn split_csv(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() || !out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dockerfile;

    #[test]
    fn mounts_parse() {
        let df = Dockerfile::parse(
            "FROM a\nRUN --mount=type=cache,target=/root/.cache/pip --mount=from=b,src=/w,target=/x pip install x\n",
        );
        let mounts = Mount::of(&df.instructions[1]);
        assert_eq!(mounts[0].kind, MountType::Cache);
        assert_eq!(mounts[0].target.as_deref(), Some("/root/.cache/pip"));
        assert_eq!(mounts[1].kind, MountType::Bind);
        assert_eq!(mounts[1].from.as_deref(), Some("b"));
        assert_eq!(mounts[1].source.as_deref(), Some("/w"));
    }

    #[test]
    fn copy_sources_and_heredocs() {
        let df = Dockerfile::parse("FROM a\nCOPY <<EOF a.txt /dst/\nhi\nEOF\n");
        let c = CopyArgs::parse(&df.instructions[1]).unwrap();
        assert_eq!(c.dest, "/dst/");
        assert!(matches!(&c.sources[0], CopySource::Heredoc { name } if name == "EOF"));
        assert!(matches!(&c.sources[1], CopySource::Path { value, .. } if value == "a.txt"));
    }

    #[test]
    fn stage_names() {
        assert!(is_valid_stage_name("Builder-1.x_y"));
        assert!(!is_valid_stage_name("1abc"));
        assert!(!is_valid_stage_name("a/b"));
    }
}
