//! Which files are Dockerfiles by their name, as `lint` finds them in a
//! directory and as a COPY of build files is told from one of code.

/// Whether a file name is a Dockerfile by name.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    // `Dockerfile`, `GPUDockerfile`, `api.Dockerfile`; `Dockerfile.prod`,
    // `Dockerfile-prod`, `Dockerfile_prod`; the same for Containerfile.
    ["dockerfile", "containerfile"].iter().any(|base| {
        lower.ends_with(base)
            || [".", "-", "_"]
                .iter()
                .any(|sep| lower.starts_with(&format!("{base}{sep}")))
    })
}

/// Suffixes of Dockerfile templates (Jinja, generic templates, autoconf
/// inputs): not Dockerfiles until rendered.
const TEMPLATE_SUFFIXES: &[&str] = &[
    ".j2",
    ".jinja",
    ".jinja2",
    ".tpl",
    ".tmpl",
    ".template",
    ".in",
];

/// Whether a Dockerfile-named file is a template to render first.
pub fn is_template_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TEMPLATE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "GPUDockerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "Dockerfile-cuda",
            "Dockerfile_dev",
            "Containerfile.arm",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "dockerfiles",
            "README.md",
            "docker-compose.yml",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
        assert!(is_template_name("Dockerfile.jinja2"));
        assert!(!is_template_name("Dockerfile.prod"));
    }
}
