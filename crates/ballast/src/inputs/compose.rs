//! Compose files as lint jobs: each service's image judged once (through
//! `build`, `extends` and the directory's base file), then the runtime
//! rules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ballast_linter::compose::{ComposeFile, ImageFacts, Service, image_facts};
use ballast_linter::{Finding, Settings};

use crate::inputs::read_text;

/// The facts of each built image, by Dockerfile, arguments and target:
/// services that build the same image are judged once.
#[derive(Default)]
pub(crate) struct Images {
    known: Mutex<HashMap<ImageKey, Option<ImageFacts>>>,
}

/// An image as a compose file builds it: Dockerfile, arguments, target.
type ImageKey = (PathBuf, Vec<String>, Option<String>);

/// Files a compose file names, read with the same bound as every input.
fn read(path: &Path) -> Option<String> {
    read_text(path).ok()
}

impl Images {
    /// The facts of the image `service` builds, or `None` when it builds
    /// none or its Dockerfile cannot be read or judged.
    pub(crate) fn of(
        &self,
        compose_path: &Path,
        service: &Service,
        settings: &Settings,
    ) -> Option<ImageFacts> {
        let dir = compose_path.parent().unwrap_or(Path::new("."));
        let build = service.resolved_build(dir)?;
        let key = (
            build.dockerfile.clone(),
            build.build.build_args(),
            build.build.target.clone(),
        );
        if let Some(known) = self.known.lock().expect("images").get(&key) {
            return known.clone();
        }
        let facts = image_facts(&build, dir, settings, &read);
        self.known
            .lock()
            .expect("images")
            .insert(key, facts.clone());
        facts
    }
}

/// Lints a compose file's text: its findings, or why it is not one.
pub(crate) fn lint(
    path: &Path,
    text: &str,
    settings: &Settings,
    shown: &str,
    images: &Images,
) -> Result<(ComposeFile, Vec<Finding>), String> {
    let mut file = ComposeFile::parse(text).map_err(|e| format!("{shown}:{e}"))?;
    file.resolve(path, &read);
    let findings = ballast_linter::compose::lint(&file, text, settings, Some(shown), &|s| {
        images.of(path, s, settings)
    });
    Ok((file, findings))
}
