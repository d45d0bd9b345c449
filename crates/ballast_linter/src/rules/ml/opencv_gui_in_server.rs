//! ## What it does
//! Flags `opencv-python` or `opencv-contrib-python` installed in an image
//! that shows no sign of a display (no `DISPLAY`, no X11 or Qt packages):
//! the `-headless` variants have the same API without the GUI.
//!
//! ## Why it matters
//! The GUI wheels bundle Qt and X11 libraries, and usually make people
//! apt-install `libgl1` and friends to import cv2 at all. On a server
//! nothing opens a window; the headless wheel is about 60 MB smaller and
//! needs none of those system libraries.
//!
//! ## Example
//! ```dockerfile
//! RUN pip install opencv-python
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN pip install opencv-python-headless
//! ```
//!
//! ## Fix safety
//! Unsafe: `cv2.imshow` and other HighGUI calls stop working. The fix only
//! edits packages named on the RUN line, not requirement files.

use ballast_dockerfile::{Keyword, Span};
use ballast_ml::packages::opencv_headless_variant;
use ballast_shell::os::Action;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL306",
    name: "opencv-gui-in-server",
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "OpenCV's GUI build is installed where the headless one would do",
    hadolint: &[],
    needs_config: false,
    check,
};

fn has_display(cx: &Checker<'_>) -> bool {
    cx.image_instructions().into_iter().any(|i| {
        let inst = cx.inst(i);
        if inst.keyword == Keyword::Env
            && inst
                .values()
                .iter()
                .any(|v| v.starts_with("DISPLAY") || v.starts_with("QT_"))
        {
            return true;
        }
        cx.runs[i].as_ref().is_some_and(|run| {
            package_commands(run).iter().any(|(_, _, pc)| {
                pc.action == Action::Install
                    && pc.packages.iter().any(|w| {
                        let n = w.text.to_ascii_lowercase();
                        n.starts_with("xvfb")
                            || n.starts_with("x11-")
                            || n.starts_with("libqt")
                            || n.starts_with("qt5")
                            || n.starts_with("qt6")
                    })
            })
        })
    })
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    if has_display(cx) {
        return;
    }
    for run in cx.image_runs() {
        for p in cx.python_installs(run) {
            for r in &p.requested {
                let Some(headless) = opencv_headless_variant(&r.requirement.name) else {
                    continue;
                };
                let (bytes, basis) = typical("OpenCV GUI");
                let fix = (r.file.is_none() && p.part.editable)
                    .then(|| {
                        let name = &r.requirement.name;
                        let text = r.span.text(cx.source);
                        let start = text.find(name.as_str())?;
                        let at = r.span.start + start;
                        Some(Fix::unsafe_(
                            format!("Install `{headless}`"),
                            vec![Edit::replace(Span::new(at, at + name.len()), headless)],
                        ))
                    })
                    .flatten();
                out.push(
                    Finding::new(
                        &RULE,
                        r.span,
                        format!(
                            "`{}` brings Qt and X11 libraries a server never uses",
                            r.describe()
                        ),
                    )
                    .help(format!(
                        "install `{headless}` instead: same cv2 API without the GUI"
                    ))
                    .savings(Savings::image(bytes, basis))
                    .maybe_fix(fix),
                );
            }
        }
    }
}
