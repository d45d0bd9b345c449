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
//! Unsafe: `cv2.imshow` and other HighGUI calls stop working. The fix
//! renames the package on the RUN line, or in the requirements file of the
//! build context that names it.

use ballast_dockerfile::{Keyword, Span};
use ballast_ml::packages::opencv_headless_variant;
use ballast_shell::os::Action;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL306",
    name: names::OPENCV_GUI_IN_SERVER.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "OpenCV's GUI build is installed where the headless one would do",
    check,
    ..Rule::OPTIONAL
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
    for run in cx.reachable_runs() {
        // A package an earlier install brought is reported there.
        let before = cx.installed_before(run.index);
        for p in cx.python_installs(run) {
            for r in &p.requested {
                let Some(headless) = opencv_headless_variant(&r.requirement.name) else {
                    continue;
                };
                if before
                    .names
                    .contains(&ballast_ml::python::normalize_name(&r.requirement.name))
                {
                    continue;
                }
                let (bytes, basis) = typical("OpenCV GUI");
                let name = &r.requirement.name;
                let fix = match &r.file {
                    // On the RUN line.
                    None if p.part.editable => {
                        let text = r.span.text(cx.source);
                        text.find(name.as_str()).map(|start| {
                            let at = r.span.start + start;
                            Fix::unsafe_(
                                format!("Install `{headless}`"),
                                vec![Edit::replace(Span::new(at, at + name.len()), headless)],
                            )
                        })
                    }
                    // In a requirements file of the context.
                    Some((file, line)) if file != "pyproject.toml" => cx.read(file).and_then(|t| {
                        let start = t
                            .split_inclusive('\n')
                            .take(line - 1)
                            .map(str::len)
                            .sum::<usize>();
                        let line_text = t[start..].lines().next()?;
                        let at = start + line_text.find(name.as_str())?;
                        Some(Fix::unsafe_(
                            format!("Install `{headless}` ({file}:{line})"),
                            vec![
                                Edit::replace(Span::new(at, at + name.len()), headless)
                                    .in_file(file.clone()),
                            ],
                        ))
                    }),
                    _ => None,
                };
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
