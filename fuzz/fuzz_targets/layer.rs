//! The layer reader and the layered file tree on arbitrary bytes (plain,
//! gzip or zstd, sniffed), under small limits: no panic, and the tree's
//! arithmetic holds (what is visible never exceeds what is stored).
#![no_main]

use std::sync::atomic::AtomicU64;

use ballast_image::layer::{NoProgress, ScanOptions, scan_layer};
use ballast_image::limits::Limits;
use ballast_image::tree::FileTree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let total = AtomicU64::new(0);
    let limits = Limits {
        max_entries_per_layer: 10_000,
        max_path_bytes: 4096,
        max_uncompressed_bytes: 64 << 20,
        max_captured_file_bytes: 1 << 20,
        ..Limits::default()
    };
    let opts = ScanOptions {
        verify: true,
        limits,
        capture: &ballast_image::capture,
        progress: &NoProgress,
        uncompressed_total: &total,
    };
    let Ok(scan) = scan_layer("sha256:fuzz", data, &opts) else { return };
    assert!(scan.entries.len() as u64 <= limits.max_entries_per_layer);
    // The same layer twice: the second shadows the first completely or in part.
    let mut tree = FileTree::new();
    tree.apply(scan.entries.clone());
    tree.apply(scan.entries);
    let layers = tree.layer_bytes();
    let stored: u64 = layers.iter().map(|l| l.stored).sum();
    assert!(tree.final_bytes() <= stored);
    tree.for_each_file(|f| {
        assert!(!f.path.starts_with('/') && !f.path.split('/').any(|c| c == ".."));
        // A readable path names one file unless names were made readable
        // (two names that are not UTF-8 can read alike).
        if !f.path.contains('\u{fffd}') {
            assert_eq!(tree.file(f.path).map(|found| found.content), Some(f.content));
        }
    });
});
