//! Fixes to a compose file, made on yaml-edit's lossless tree: the rest of
//! the file (comments, order, quoting, blank lines) is left byte for byte,
//! and the change becomes one text edit of the bytes that differ.

use std::str::FromStr;

use ballast_dockerfile::Span;
use yaml_edit::{Document, YamlValue};

use crate::finding::Edit;

/// One change to a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `key: true`.
    SetTrue(&'static str),
    /// Adds `item` to the sequence `key` (created when missing).
    Append(&'static str, String),
}

/// The edit that makes `changes` to service `name`, or `None` when yaml-edit
/// cannot make them (the key holds a scalar or a mapping where a sequence
/// is wanted, the service is not a block mapping) or the result would not
/// read back as the same file plus the change.
pub(crate) fn edit_for(source: &str, name: &str, changes: &[Change]) -> Option<Edit> {
    let doc = Document::from_str(source).ok()?;
    let service = doc
        .as_mapping()?
        .get_mapping("services")?
        .get_mapping(name)?;
    if service.is_flow_style() {
        return None;
    }
    for change in changes {
        match change {
            Change::SetTrue(key) => service.set(*key, true),
            Change::Append(key, item) => match service.get(*key) {
                None => service.set(*key, vec![YamlValue::from(item.as_str())]),
                Some(node) => node.as_sequence()?.push(item.as_str()),
            },
        }
    }
    insertion(source, &doc.to_string())
}

/// The edit from `source` to `new` when it only adds text: nothing the
/// user wrote is removed or rewritten.
fn insertion(source: &str, new: &str) -> Option<Edit> {
    minimal_edit(source, new).filter(|e| e.span.start == e.span.end)
}

/// The edit that makes `changes` to a container of a Kubernetes manifest,
/// in its `securityContext`: `read_only` as `readOnlyRootFilesystem`,
/// `cap_drop` as `capabilities.drop`, `no-new-privileges` as
/// `allowPrivilegeEscalation: false`. `None` for what has no single place
/// there (a tmpfs is an `emptyDir` volume and a mount) or when the result
/// would change what the user wrote.
pub(crate) fn container_edit_for(
    source: &str,
    at: &super::Container,
    changes: &[Change],
) -> Option<Edit> {
    let file = yaml_edit::YamlFile::from_str(source).ok()?;
    let doc = file.documents().nth(at.document)?;
    let mut pod = doc.as_mapping()?;
    for k in at.pod_path {
        pod = pod.get_mapping(*k)?;
    }
    let container = pod.get_sequence("containers")?.get(at.index)?;
    let container = container.as_mapping()?.clone();
    if container.is_flow_style() {
        return None;
    }
    for change in changes {
        match change {
            Change::SetTrue("read_only") => set_nested(
                &container,
                &["securityContext", "readOnlyRootFilesystem"],
                YamlValue::from(true),
            )?,
            Change::Append("cap_drop", item) => {
                match container
                    .get_mapping("securityContext")
                    .and_then(|sc| sc.get_mapping("capabilities"))
                    .and_then(|caps| caps.get("drop"))
                {
                    Some(drop) => drop.as_sequence()?.push(item.as_str()),
                    None => set_nested(
                        &container,
                        &["securityContext", "capabilities", "drop"],
                        YamlValue::from(vec![YamlValue::from(item.as_str())]),
                    )?,
                }
            }
            Change::Append("security_opt", item) if item == "no-new-privileges:true" => set_nested(
                &container,
                &["securityContext", "allowPrivilegeEscalation"],
                YamlValue::from(false),
            )?,
            _ => return None,
        }
    }
    insertion(source, &file.to_string())
}

/// Sets `value` at `path` under `m`, making the mappings that are missing.
fn set_nested(m: &yaml_edit::Mapping, path: &[&str], value: YamlValue) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut at = m.clone();
    let mut i = 0;
    while i < parents.len() {
        match at.get_mapping(parents[i]) {
            Some(next) => at = next,
            None => break,
        }
        i += 1;
    }
    // What is missing, built from the inside out.
    let mut built = value;
    let mut key = *last;
    for k in parents[i..].iter().rev() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(key.to_string(), built);
        built = YamlValue::from_mapping(map);
        key = k;
    }
    at.set(key, built);
    Some(())
}

/// The one replacement that turns `old` into `new`: their common prefix and
/// suffix left alone (on character boundaries).
fn minimal_edit(old: &str, new: &str) -> Option<Edit> {
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    // Prefer the edit to start at a line: insertions then read as lines.
    if let Some(nl) = old[..prefix].rfind('\n') {
        let line_start = nl + 1;
        if old[line_start..prefix] == new[line_start..prefix] {
            prefix = line_start;
        }
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Some(Edit::replace(
        Span::new(prefix, old.len() - suffix),
        &new[prefix..new.len() - suffix],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(source: &str, changes: &[Change]) -> String {
        let e = edit_for(source, "api", changes).expect("edit");
        format!(
            "{}{}{}",
            &source[..e.span.start],
            e.content,
            &source[e.span.end..]
        )
    }

    #[test]
    fn adds_keys_after_the_last_and_keeps_comments() {
        let src = "services:\n  api:\n    build: . # the app\n    # ports below\n    ports:\n      - 8000:8000\n  db:\n    image: postgres\n";
        let out = applied(
            src,
            &[
                Change::SetTrue("read_only"),
                Change::Append("cap_drop", "ALL".into()),
            ],
        );
        assert_eq!(
            out,
            "services:\n  api:\n    build: . # the app\n    # ports below\n    ports:\n      - 8000:8000\n    read_only: true\n    cap_drop:\n      - ALL\n  db:\n    image: postgres\n"
        );
    }

    #[test]
    fn appends_to_an_existing_sequence() {
        let src = "services:\n  api:\n    image: x\n    security_opt:\n      - label:disable\n";
        let out = applied(
            src,
            &[Change::Append(
                "security_opt",
                "no-new-privileges:true".into(),
            )],
        );
        assert_eq!(
            out,
            "services:\n  api:\n    image: x\n    security_opt:\n      - label:disable\n      - no-new-privileges:true\n"
        );
    }

    #[test]
    fn refuses_a_scalar_where_a_sequence_is_wanted() {
        let src = "services:\n  api:\n    image: x\n    tmpfs: /run\n";
        assert_eq!(
            edit_for(src, "api", &[Change::Append("tmpfs", "/tmp".into())]),
            None
        );
    }
}
