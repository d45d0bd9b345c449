//! The parser, the dumps, the canonical printer and the stage model on
//! arbitrary text: no panic, spans inside the file, canonical output stable.
#![no_main]

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::dump::{buildkit_dump, canonical, json_instructions};
use ballast_dockerfile::stages::{BuildOptions, StageGraph};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let df = Dockerfile::parse(text);
    for inst in &df.instructions {
        assert!(inst.span.end <= text.len() && text.is_char_boundary(inst.span.start));
        for a in &inst.args {
            assert!(a.span.end <= text.len() && text.is_char_boundary(a.span.end));
        }
    }
    let _ = json_instructions(&df);
    let graph = StageGraph::new(&df, &BuildOptions::default());
    if let Some(t) = graph.target(None) {
        let _ = graph.reachable(t);
    }
    if df.is_ok() {
        let dump = buildkit_dump(&df);
        let again = Dockerfile::parse(&canonical(&df));
        assert!(again.is_ok(), "canonical output must parse");
        assert_eq!(buildkit_dump(&again), dump, "canonical output must mean the same");
    }
});
