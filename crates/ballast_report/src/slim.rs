//! `ballast slim`: what was dropped, per layer, and the proof.

use ballast_image::slim::SlimReport;

use crate::Style;
use crate::bytes::format_bytes;
use crate::table::{Align, text_table};

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
    t.push_str(&format!(
        "Verified: read back with every digest and diff_id checked; the final filesystem ({}) is the source's: every path, kind, size and hard link\n\n",
        format_bytes(r.final_bytes)
    ));
    let rows: Vec<Vec<String>> = r
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                i.to_string(),
                if l.unchanged {
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
        &[
            Align::Right,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    ));
    t
}
