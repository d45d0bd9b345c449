//! Marks the tests that need the conformance corpus as ignored, with the
//! reason, when it is missing outside CI (see ballast_testkit's probe.rs).

include!("../ballast_testkit/src/probe.rs");

fn main() {
    declare_corpus_cfg();
}
