//! The RECORD and METADATA readers of Python distributions on arbitrary
//! text: no panic, and no resolved path climbs out of the image root.
#![no_main]

use ballast_ml::python::{parse_metadata, parse_record, resolve_record_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_metadata(&text);
    for entry in parse_record(&text).take(1000) {
        for site in ["usr/lib/python3.11/site-packages", "", "a"] {
            if let Some(p) = resolve_record_path(site, &entry.path) {
                assert!(!p.starts_with('/'), "{p}");
                assert!(!p.split('/').any(|c| c == ".." || c == "."), "{p}");
            }
        }
    }
});
