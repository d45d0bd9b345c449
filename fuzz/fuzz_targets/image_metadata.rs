//! Index, manifest, configuration, `docker save` manifest and digest parsing
//! on arbitrary bytes, and whole `docker save` streams through the loader and
//! the analysis: no panic, only errors.
#![no_main]

use ballast_image::digest::Digest;
use ballast_image::spec::{Config, parse_archive_manifest, parse_manifest_doc};
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load_reader};
use libfuzzer_sys::fuzz_target;

const TYPES: [Option<&str>; 5] = [
    None,
    Some("application/vnd.oci.image.index.v1+json"),
    Some("application/vnd.oci.image.manifest.v1+json"),
    Some("application/vnd.docker.distribution.manifest.list.v2+json"),
    Some("application/vnd.docker.distribution.manifest.v2+json"),
];

fuzz_target!(|data: &[u8]| {
    for t in TYPES {
        let _ = parse_manifest_doc(data, t);
    }
    let _ = Config::parse(data);
    let _ = parse_archive_manifest(data);
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(d) = Digest::parse(s)
    {
        assert_eq!(d.hex().len(), 64);
        assert!(d.hex().bytes().all(|b| b.is_ascii_hexdigit()));
    }
    if data.len() >= 512 {
        let mut opts = LoadOptions::default();
        opts.limits.max_uncompressed_bytes = 64 << 20;
        opts.limits.max_entries_per_layer = 10_000;
        if let Ok(image) = load_reader(data, "fuzz.tar", &opts) {
            let _ = analyze(image, &AnalyzeOptions::default());
        }
    }
});
