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

/// The key of an image: its Dockerfile's real path, so that a compose
/// file's `./Dockerfile` and `check`'s `-f Dockerfile` are one image.
fn image_key(dockerfile: &Path, args: Vec<String>, target: Option<String>) -> ImageKey {
    let path = std::fs::canonicalize(dockerfile).unwrap_or_else(|_| dockerfile.to_path_buf());
    (path, args, target)
}

impl Images {
    /// Records the facts of an image already judged (`check`'s project),
    /// so a compose service that builds it does not read and walk it again.
    pub(crate) fn seed(&self, key: ImageKey, facts: Option<ImageFacts>) {
        self.known.lock().expect("images").insert(key, facts);
    }

    /// The facts of the image `service` builds, or `None` when it builds
    /// none or its Dockerfile cannot be read or judged.
    pub(crate) fn of(
        &self,
        dir: &Path,
        service: &Service,
        settings: &Settings,
    ) -> Option<ImageFacts> {
        let build = service.resolved_build(dir)?;
        let key = image_key(
            &build.dockerfile,
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
    let mut file = ComposeFile::parse_any(text).map_err(|e| format!("{shown}:{e}"))?;
    file.resolve(path, &read);
    let dir = file.dir_of(path);
    let findings = ballast_linter::compose::lint(&file, text, settings, Some(shown), &|s| {
        images.of(&dir, s, settings)
    });
    Ok((file, findings))
}

/// `check`'s runtime section for a project: its compose file (the one
/// named, else the directory's base file) linted, and the services that
/// build its Dockerfile with every runtime fix applied; without a compose
/// file (or a service building the Dockerfile), a service block written
/// from the Dockerfile.
pub(crate) fn runtime(
    named: Option<&Path>,
    p: &crate::inputs::project::Project,
    options: &ballast_linter::LintOptions<'_>,
    settings: &Settings,
) -> anyhow::Result<ballast_report::runtime::Runtime> {
    let path = named.map(Path::to_path_buf).or_else(|| {
        ballast_linter::compose::BASE_NAMES
            .iter()
            .map(|n| p.dir().join(n))
            .find(|c| c.is_file())
    });
    let images = Images::default();
    let facts = ImageFacts::of(&p.df, options, &p.dockerfile_path.display().to_string()).ok();
    let Some(path) = path else {
        return Ok(written(facts.as_ref(), None));
    };
    // The project's image, as a service of the compose file would name it.
    let args: Vec<String> = options
        .build
        .build_args
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let compose_dir = path.parent().unwrap_or(Path::new("."));
    let seeded = facts.clone().map(|mut f| {
        f.dockerfile = ballast_linter::compose::shown_from(&p.dockerfile_path, compose_dir);
        f
    });
    images.seed(
        image_key(&p.dockerfile_path, args, options.target.clone()),
        seeded,
    );
    let text = read_text(&path)?;
    let shown = path.display().to_string();
    let (file, findings) =
        lint(&path, &text, settings, &shown, &images).map_err(anyhow::Error::msg)?;
    let dir = file.dir_of(&path);
    let services = services_building(&file, &dir, &p.dockerfile_path);
    let linted = ballast_report::lint::LintedFile {
        path: shown.clone(),
        source: text.clone(),
        findings,
        error: None,
        image: None,
        line_starts: Default::default(),
    };
    let relint = |t: &str, _: &ComposeFile| {
        lint(&path, t, settings, &shown, &images)
            .map(|(_, f)| f)
            .unwrap_or_default()
    };
    let facts_of = |s: &ballast_linter::compose::Service| images.of(&dir, s, settings);
    let Some(hardened) =
        ballast_linter::compose::harden(&text, &file, &services, &facts_of, &relint)
            .map_err(|e| anyhow::anyhow!("{shown}:{e}"))?
    else {
        return Ok(written(facts.as_ref(), Some(linted)));
    };
    Ok(ballast_report::runtime::Runtime {
        compose: Some(linted),
        basis: hardened_basis(&shown, !hardened.volumes.is_empty()),
        services,
        hardened: hardened.text,
        left: hardened.messages_left,
    })
}

/// The services of a compose file (in directory `dir`) that build the
/// Dockerfile at `dockerfile`, compared as canonical paths.
fn services_building(file: &ComposeFile, dir: &Path, dockerfile: &Path) -> Vec<String> {
    let Ok(ours) = std::fs::canonicalize(dockerfile) else {
        return Vec::new();
    };
    file.services
        .iter()
        .filter(|s| {
            let built = s.resolved_build(dir).map(|b| b.dockerfile);
            built.and_then(|b| std::fs::canonicalize(b).ok()).as_ref() == Some(&ours)
        })
        .map(|s| s.name.clone())
        .collect()
}

/// What the hardened compose file shown is, and how to write it.
fn hardened_basis(shown: &str, with_volumes: bool) -> String {
    if with_volumes {
        format!(
            "{shown} with a volume for each cache it keeps and every runtime fix; `ballast fix --unsafe-fixes {shown}` writes the fixes once the volumes are there"
        )
    } else {
        format!("{shown} with every runtime fix; `ballast fix --unsafe-fixes {shown}` writes them")
    }
}

/// The runtime section when no compose service builds the Dockerfile: a
/// service block written from what the Dockerfile shows.
fn written(
    facts: Option<&ImageFacts>,
    compose: Option<ballast_report::lint::LintedFile>,
) -> ballast_report::runtime::Runtime {
    let (hardened, left) = match facts {
        Some(f) => {
            let (text, left) = ballast_linter::compose::suggested_service("app", ".", f);
            (text, left.iter().map(|f| f.message.clone()).collect())
        }
        None => (String::new(), Vec::new()),
    };
    ballast_report::runtime::Runtime {
        compose,
        services: Vec::new(),
        hardened,
        basis: "written from the Dockerfile: no compose service builds it".to_string(),
        left,
    }
}
