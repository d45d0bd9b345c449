//! A project's compose services hardened, as `check` shows them: a named
//! volume for each cache a service must keep (so its root can be
//! read-only), then every runtime fix; or, when no compose file runs the
//! image, a service block written from its Dockerfile.

use super::edit::{self, Change};
use super::{ComposeError, ComposeFile, ImageFacts, Service, WritablePath, fix_until_stable};
use crate::finding::Finding;
use crate::settings::Settings;

/// Services of a compose file with every runtime fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardened {
    /// The services' text under `services:`, then the added volumes under
    /// `volumes:`.
    pub text: String,
    /// The named volumes added.
    pub volumes: Vec<String>,
    /// What the fixes leave in those services (a memory limit to choose).
    pub messages_left: Vec<String>,
}

/// The services `names` of the compose file `text` (parsed as `file`)
/// hardened: `facts_of` gives the image a service runs, `lint` lints a
/// version of the file. `None` when none of them is in the fixed file.
pub fn harden(
    text: &str,
    file: &ComposeFile,
    names: &[String],
    facts_of: &dyn Fn(&Service) -> Option<ImageFacts>,
    lint: &dyn Fn(&str, &ComposeFile) -> Vec<Finding>,
) -> Result<Option<Hardened>, ComposeError> {
    let mut volumes = Vec::new();
    let mut start = text.to_string();
    for s in file.services.iter().filter(|s| names.contains(&s.name)) {
        if let Some(f) = facts_of(s) {
            let (t, added) = with_volumes(&start, s, &f);
            start = t;
            volumes.extend(added);
        }
    }
    let fixed = fix_until_stable(&start, lint, crate::Applicability::Unsafe)?;
    let Some(mut out) = services_text(&fixed.text, names) else {
        return Ok(None);
    };
    if !volumes.is_empty() {
        out.push_str("volumes:\n");
        for v in &volumes {
            out.push_str(&format!("  {v}:\n"));
        }
    }
    // What the fixes leave in those services.
    let spans: Vec<(usize, usize)> = ComposeFile::parse_any(&fixed.text)
        .map(|f| {
            f.services
                .iter()
                .filter(|s| names.contains(&s.name))
                .map(|s| (s.key_span.start, s.body.span.end))
                .collect()
        })
        .unwrap_or_default();
    let messages_left = fixed
        .remaining
        .iter()
        .filter(|f| spans.iter().any(|(a, b)| (*a..*b).contains(&f.span.start)))
        .map(|f| f.message.clone())
        .collect();
    Ok(Some(Hardened {
        text: out,
        volumes,
        messages_left,
    }))
}

/// A hardened service block for an image that no compose file runs yet:
/// `build`, a named volume for each path that must stay writable and holds
/// files (a model cache), then every runtime fix (`read_only`, `tmpfs`,
/// `cap_drop`, `security_opt`). Also the findings left (a memory limit to
/// choose).
pub fn suggested_service(name: &str, context: &str, facts: &ImageFacts) -> (String, Vec<Finding>) {
    let mut text = format!("services:\n  {name}:\n    build: {context}\n");
    let kept: Vec<&WritablePath> = facts.writable.iter().filter(|w| w.holds_files).collect();
    if !kept.is_empty() {
        text.push_str("    volumes:\n");
        for w in &kept {
            text.push_str(&format!("      - {}:{}\n", volume_name(&w.path), w.path));
        }
        text.push_str("volumes:\n");
        for w in &kept {
            text.push_str(&format!("  {}:\n", volume_name(&w.path)));
        }
    }
    let settings = Settings::default();
    let lint =
        |t: &str, f: &ComposeFile| super::lint(f, t, &settings, None, &|_| Some(facts.clone()));
    match fix_until_stable(&text, &lint, crate::Applicability::Unsafe) {
        Ok(fixed) => (fixed.text, fixed.remaining),
        Err(_) => (text, Vec::new()),
    }
}

/// A volume's name from the path it is mounted at: `/root/.cache` → `root-cache`.
fn volume_name(path: &str) -> String {
    let name: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let parts: Vec<&str> = name.split('-').filter(|p| !p.is_empty()).collect();
    parts.join("-")
}

/// The text of the named services of a compose file, under `services:`
/// (what `check` shows of a project's hardened compose file).
fn services_text(text: &str, names: &[String]) -> Option<String> {
    let file = ComposeFile::parse(text).ok()?;
    let mut out = String::from("services:\n");
    for s in file.services.iter().filter(|s| names.contains(&s.name)) {
        let start = text[..s.key_span.start].rfind('\n').map_or(0, |i| i + 1);
        // A block's span may or may not take its last line break.
        let body_end = s.body.span.end.min(text.len());
        let end = if text[..body_end].ends_with('\n') {
            body_end
        } else {
            text[body_end..]
                .find('\n')
                .map_or(text.len(), |i| body_end + i + 1)
        };
        out.push_str(&text[start..end]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    (out.len() > "services:\n".len()).then_some(out)
}

/// `text` with a named volume on service `name` for each path its image
/// must keep writable that holds files (a model cache) and no mount
/// covers: what `read_only: true` then needs. The new volumes' names, to
/// declare under the top-level `volumes:`.
fn with_volumes(text: &str, service: &Service, facts: &ImageFacts) -> (String, Vec<String>) {
    let mut text = text.to_string();
    let mut names = Vec::new();
    for w in facts
        .unwritable_in(service)
        .into_iter()
        .filter(|w| w.holds_files)
    {
        let volume = volume_name(&w.path);
        let change = Change::Append("volumes", format!("{volume}:{}", w.path));
        let edited = edit::edit_for(&text, &service.name, &[change])
            .and_then(|e| crate::fix::apply_edits(&text, &[&e]));
        if let Some(t) = edited {
            text = t;
            names.push(volume);
        }
    }
    (text, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::ImageUser;

    #[test]
    fn a_service_keeps_its_cache_on_a_volume_and_gets_every_runtime_fix() {
        let facts = ImageFacts {
            dockerfile: "Dockerfile".into(),
            user: ImageUser::NonRoot("app".into()),
            writable: vec![
                WritablePath {
                    path: "/models".into(),
                    why: "HF_HOME".into(),
                    holds_files: true,
                },
                WritablePath {
                    path: "/tmp".into(),
                    why: "temporary files".into(),
                    holds_files: false,
                },
            ],
            torch_cpu: Some(true),
            ml: true,
            gpu_signal: None,
            setuid_tool: None,
        };
        let text = "services:\n  api:\n    build: .\n    ports: [\"8000:8000\"]\n  db:\n    image: postgres:16\n";
        let file = ComposeFile::parse(text).unwrap();
        let facts_of = |s: &Service| (s.name == "api").then(|| facts.clone());
        let settings = Settings::default();
        let lint = |t: &str, f: &ComposeFile| super::super::lint(f, t, &settings, None, &facts_of);
        let h = harden(text, &file, &["api".into()], &facts_of, &lint)
            .unwrap()
            .unwrap();
        let want = "services:\n  api:\n    build: .\n    ports: [\"8000:8000\"]\n    volumes:\n      - models:/models\n    read_only: true\n    tmpfs:\n      - /tmp\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\nvolumes:\n  models:\n";
        assert_eq!(h.text, want);
        assert_eq!(h.volumes, ["models"]);
        assert_eq!(h.messages_left.len(), 1, "{:?}", h.messages_left);
        assert!(h.messages_left[0].contains("no memory limit"));
        assert!(
            harden(text, &file, &["web".into()], &facts_of, &lint)
                .unwrap()
                .is_none()
        );
    }
}
