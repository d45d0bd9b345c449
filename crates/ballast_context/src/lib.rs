//! `ballast_context`: what a build sends and what a change rebuilds.
//!
//! - [`ignore`]: `.dockerignore` with BuildKit's exact semantics; every
//!   decision names the pattern that made it.
//! - [`walk`]: a parallel walk of the build context (symlinks are never
//!   followed), with each file marked sent or ignored.
//! - [`junk`]: what does not belong in a context (VCS, virtualenvs, caches,
//!   notebooks, datasets, weights, build outputs, secrets).
//! - [`project`]: a Dockerfile with its context, read, parsed, graphed and
//!   walked once for every command; the context's ignore file, and the one
//!   bounded reader for its files.
//! - [`origins`]: which context file a COPY or bind mount put at a
//!   container path.
//! - [`installs`]: what a Python install asks for, with its files traced
//!   through the copies.
//! - [`manifests`]: what installing a project brings (pyproject, setup.cfg,
//!   setup.py, conda environment files).
//! - [`runs`]: what each RUN executes, read from its text (shell form,
//!   exec form, heredocs), with known variables substituted.
//! - [`copies`]: which files each COPY/ADD and bind mount takes.
//! - [`rebuild`]: which steps a change rebuilds, with [`cost`] estimates.
//! - [`suggest`]: a `.dockerignore` that drops the junk and keeps what the
//!   Dockerfile copies, verified by matching.
//! - [`summary`]: what `ballast context` reports, as data.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod copies;
pub mod cost;
pub mod ignore;
pub mod installs;
pub mod junk;
pub mod manifests;
pub mod origins;
pub mod project;
pub mod rebuild;
pub mod runs;
pub mod suggest;
pub mod summary;
pub mod walk;
