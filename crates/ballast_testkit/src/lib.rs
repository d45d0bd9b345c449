//! `ballast_testkit`: helpers shared by the test suites and benchmarks.
//!
//! - [`image`]: writes container images from a declarative [`image::ImageSpec`]
//!   in every format ballast reads (OCI layout, OCI archive, legacy
//!   `docker save`, Docker 25+ `docker save`), with gzip, zstd or no
//!   compression per layer, so each edge case has an exact, hand-checkable image.
//! - [`corpus`]: where the shared conformance corpus is.
//! - [`registry`]: a real distribution registry, skopeo pushes, and a
//!   token/rate-limit/redirect front server.
//! - [`engine`]: a real dockerd in a temporary directory, and locally made
//!   Debian/Python base images and wheelhouses for end-to-end builds.
//! - [`proof`]: a corpus project built as written and restructured, and the
//!   two images compared from inside.
//! - [`schemas`]: validation against published schemas (SARIF).

pub mod corpus;
pub mod engine;
pub mod hostile;
pub mod image;
pub mod local_registry;
pub mod ml_image;
pub mod probe;
pub mod projects;
pub mod proof;
pub mod samples;
pub mod schemas;

/// Fails the test, naming `what` and showing the command's exit code and
/// standard error, unless the command succeeded.
#[track_caller]
pub fn assert_ran(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}
