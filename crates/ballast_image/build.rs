//! Marks the differential tests as ignored, with the reason, when dive or
//! umoci is missing outside CI (see ballast_testkit's probe.rs).

include!("../ballast_testkit/src/probe.rs");

fn main() {
    declare_tool_cfgs(&[("dive", "BALLAST_DIVE"), ("umoci", "BALLAST_UMOCI")]);
}
