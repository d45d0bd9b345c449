//! `ballast slim`: what was dropped, per layer, and the proof.

use ballast_image::slim::SlimReport;

use crate::Style;
use crate::bytes::format_bytes;
use crate::table::Align::{Left, Right};
use crate::table::{Align, text_table};

fn verified(r: &SlimReport) -> String {
    let checked = "read back with every digest and diff_id checked";
    if r.final_bytes == r.final_bytes_after && r.classes.iter().all(|c| c.class == "unreachable") {
        return format!(
            "Verified: {checked}; the final filesystem ({}) is the source's: every path, kind, size and hard link\n\n",
            format_bytes(r.final_bytes)
        );
    }
    format!(
        "Verified: {checked}; the final filesystem ({} -> {}) is the source's without exactly the removed paths{}\n\n",
        format_bytes(r.final_bytes),
        format_bytes(r.final_bytes_after),
        r.audit
            .as_ref()
            .map_or(String::new(), |a| format!(" (listed in {a})")),
    )
}

/// What went, per class (measured from the layers' headers).
fn classes(r: &SlimReport) -> String {
    if r.classes.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            vec![
                c.class.clone(),
                format_bytes(c.bytes),
                c.entries.to_string(),
            ]
        })
        .collect();
    let mut t = text_table(
        &["removed", "bytes", "entries"],
        &[Align::Left, Align::Right, Align::Right],
        &rows,
    );
    t.push('\n');
    let rows: Vec<Vec<String>> = r
        .removed_from
        .iter()
        .filter(|d| d.bytes > 0)
        .map(|d| {
            vec![
                format!("/{}", d.directory),
                d.class.clone(),
                format_bytes(d.bytes),
                d.entries.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        t.push_str(&text_table(
            &["removed from", "class", "bytes", "entries"],
            &[Align::Left, Align::Left, Align::Right, Align::Right],
            &rows,
        ));
        t.push('\n');
    }
    t
}

/// The terminal summary: totals (measured: the plan's byte counts and the
/// blobs written), then one row per layer.
pub fn terminal(r: &SlimReport, s: Style) -> String {
    let dropped = r.stored_before - r.stored_after;
    let mut t = format!(
        "{} {} into {}\n",
        s.bold("Slimmed"),
        r.source,
        r.destination
    );
    t.push_str(&format!(
        "Stored {} -> {} ({} no longer stored); blobs {} -> {}\n",
        format_bytes(r.stored_before),
        format_bytes(r.stored_after),
        format_bytes(dropped),
        format_bytes(r.compressed_before),
        format_bytes(r.compressed_after),
    ));
    t.push_str(&verified(r));
    t.push_str(&classes(r));
    let rows: Vec<Vec<String>> = r
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                i.to_string(),
                if l.squashed {
                    "squashed"
                } else if l.unchanged {
                    "kept as is"
                } else {
                    "rewritten"
                }
                .to_string(),
                format_bytes(l.dropped_bytes),
                l.dropped_entries.to_string(),
                format_bytes(l.compressed_before),
                format_bytes(l.compressed_after),
            ]
        })
        .collect();
    t.push_str(&text_table(
        &[
            "#",
            "layer",
            "dropped",
            "entries",
            "blob before",
            "blob after",
        ],
        &[Right, Left, Right, Right, Right, Right],
        &rows,
    ));
    t
}
