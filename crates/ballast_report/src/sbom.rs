//! Rendering an [`SbomDelta`]: the package delta of two SBOMs.

use ballast_image::sbom::SbomDelta;
use ballast_image::sbom::delta::Side;

use crate::style::Style;
use crate::table::{Align, md_table, text_table};

/// Changes listed per kind before "... and N more".
const LISTED: usize = 50;

fn side_label(s: &Side) -> String {
    let mut out = format!("{} ({} packages", s.name, s.packages);
    if let Some(d) = &s.distro {
        out.push_str(&format!(
            ", {}",
            d.pretty_name.clone().unwrap_or_else(|| {
                format!("{} {}", d.id, d.version_id.as_deref().unwrap_or(""))
            })
        ));
    }
    if let Some(b) = &s.base {
        out.push_str(&format!(", on {b}"));
    }
    out.push(')');
    out
}

fn counts(d: &SbomDelta) -> Vec<Vec<String>> {
    d.ecosystems
        .iter()
        .map(|e| {
            vec![
                e.ecosystem.label().to_string(),
                e.a.to_string(),
                e.b.to_string(),
                signed('+', e.added),
                signed('-', e.removed),
                signed('~', e.changed),
            ]
        })
        .collect()
}

/// `+3`, or `0` for none.
fn signed(mark: char, n: usize) -> String {
    match n {
        0 => "0".to_string(),
        n => format!("{mark}{n}"),
    }
}

const HEADER: [&str; 6] = ["", "A", "B", "added", "removed", "changed"];
const ALIGN: [Align; 6] = [
    Align::Left,
    Align::Right,
    Align::Right,
    Align::Right,
    Align::Right,
    Align::Right,
];

/// One line per change: `+ name version`, `- name version`, `~ name a -> b`.
fn lines(d: &SbomDelta, marks: [String; 3]) -> Vec<String> {
    let [plus, minus, tilde] = marks;
    let mut out = Vec::new();
    let more = |n: usize| format!("... and {} more", n - LISTED);
    for p in d.removed.iter().take(LISTED) {
        out.push(format!("{minus} {} {}", p.name, p.versions.join(", ")));
    }
    if d.removed.len() > LISTED {
        out.push(more(d.removed.len()));
    }
    for p in d.added.iter().take(LISTED) {
        out.push(format!("{plus} {} {}", p.name, p.versions.join(", ")));
    }
    if d.added.len() > LISTED {
        out.push(more(d.added.len()));
    }
    for c in d.changed.iter().take(LISTED) {
        out.push(format!(
            "{tilde} {} {} -> {}",
            c.name,
            c.from.join(", "),
            c.to.join(", ")
        ));
    }
    if d.changed.len() > LISTED {
        out.push(more(d.changed.len()));
    }
    out
}

fn summary(d: &SbomDelta) -> String {
    format!(
        "{} added, {} removed, {} changed version, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    )
}

/// The terminal form.
pub fn terminal(d: &SbomDelta, s: Style) -> String {
    let mut out = format!(
        "{} {}\n{} {}\n\n",
        s.bold("A"),
        side_label(&d.a),
        s.bold("B"),
        side_label(&d.b)
    );
    out.push_str(&text_table(&HEADER, &ALIGN, &counts(d)));
    out.push_str(&format!("\n{} {}\n", s.bold("Packages"), summary(d)));
    for line in lines(d, [s.green("+"), s.red("-"), "~".to_string()]) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// The Markdown form.
pub fn markdown(d: &SbomDelta) -> String {
    let mut out = format!(
        "## SBOM delta\n\n- **A** {}\n- **B** {}\n\n",
        side_label(&d.a),
        side_label(&d.b)
    );
    out.push_str(&md_table(&HEADER, &ALIGN, &counts(d)));
    out.push_str(&format!("\n**Packages**: {}\n\n", summary(d)));
    let changes = lines(d, ["+".into(), "-".into(), "~".into()]);
    if !changes.is_empty() {
        out.push_str("```diff\n");
        for line in changes {
            out.push_str(&format!("{line}\n"));
        }
        out.push_str("```\n");
    }
    out
}
