//! `check`'s runtime section: the project's compose findings and the
//! hardened service block beside the restructured Dockerfile.

use crate::lint::LintedFile;

/// How the project runs its image.
#[derive(Debug)]
pub struct Runtime {
    /// The compose file's lint (`None`: the project has none).
    pub compose: Option<LintedFile>,
    /// The compose services that build the project's Dockerfile.
    pub services: Vec<String>,
    /// The hardened service block, YAML.
    pub hardened: String,
    /// Where the block comes from.
    pub basis: String,
    /// What the block still leaves to choose (a memory limit).
    pub left: Vec<String>,
}

impl Runtime {
    /// The section as terminal lines (no colour) or Markdown.
    pub fn text(&self, md: bool) -> String {
        let mut out = String::new();
        match &self.compose {
            Some(c) if c.findings.is_empty() => {
                out.push_str(&format!("{}: no runtime finding.\n", c.path));
            }
            Some(c) => {
                out.push_str(&format!(
                    "{}: {} runtime finding(s):\n",
                    c.path,
                    c.findings.len()
                ));
                for f in &c.findings {
                    let (line, _, _, _) = c.region(f);
                    let bullet = if md { "-" } else { " " };
                    out.push_str(&format!(
                        "{bullet} {}:{line}: {} {} {}\n",
                        c.path,
                        f.severity,
                        f.code(),
                        f.message
                    ));
                }
            }
            None => out.push_str("No compose file runs the image.\n"),
        }
        out.push_str(&format!("\nHardened service ({}):\n", self.basis));
        if md {
            out.push_str(&format!("\n```yaml\n{}```\n", self.hardened));
        } else {
            for l in self.hardened.lines() {
                out.push_str(&format!("  {l}\n"));
            }
        }
        for l in &self.left {
            out.push_str(&format!(
                "{} still to choose: {l}\n",
                if md { "-" } else { " " }
            ));
        }
        out
    }

    /// The section in `check`'s JSON.
    pub fn json_value(&self) -> serde_json::Value {
        let findings = self.compose.as_ref().map(|c| {
            let summary = crate::lint::summarize(std::slice::from_ref(c));
            crate::lint::json_value(std::slice::from_ref(c), &summary)
        });
        serde_json::json!({
            "compose": self.compose.as_ref().map(|c| &c.path),
            "lint": findings,
            "services": self.services,
            "hardened": self.hardened,
            "basis": self.basis,
            "left": self.left,
        })
    }
}
