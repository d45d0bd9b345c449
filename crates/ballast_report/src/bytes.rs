//! Byte sizes: one home in [`ballast_ml::units`], re-exported for renderers.

pub use ballast_ml::units::{format_bytes, format_delta, parse_bytes};

/// A saving's size as every renderer prints it: `at least 3.3 GB` for a
/// lower bound, `708 B` for a measured figure, `~3.3 GB` for an estimate;
/// `None` for nothing saved (no "(~0 B)").
pub fn saving_size(s: &ballast_linter::Savings) -> Option<String> {
    if s.bytes == 0 {
        return None;
    }
    let about = if s.at_least {
        "at least "
    } else if saving_basis_kind(s) == "measured" {
        ""
    } else {
        "~"
    };
    Some(format!("{about}{}", format_bytes(s.bytes)))
}

/// Whether a saving's figure is measured or an estimate (a figure that
/// mixes in an estimate is one).
pub fn saving_basis_kind(s: &ballast_linter::Savings) -> &'static str {
    if s.basis.starts_with("measured") && !s.basis.contains("estimat") {
        "measured"
    } else {
        "estimate"
    }
}
