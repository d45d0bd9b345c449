//! `ballast_ml`: what the files and packages of an ML image are, as data.
//!
//! Everything here is pure: given a path, a package name, a RECORD or a dpkg
//! status text, say what it is. The image analysis and the linter share these
//! tables so an image finding and a Dockerfile finding about the same cause
//! use the same words and the same estimates.
//!
//! - [`apt`]: what apt's recommended packages add (dated Debian/Ubuntu table).
//! - [`droppable`]: the classes of files `slim --drop` removes.
//! - [`paths`]: classify a file path (CUDA library, model weights, caches, ...).
//! - [`python`]: dist-info RECORD / METADATA, name normalisation, pyvenv.cfg.
//! - [`torch`]: which accelerator a torch build targets.
//! - [`dpkg`]: Debian package status and file lists.
//! - [`apk`]: Alpine's installed-package database.
//! - [`conda`]: conda environments' package records.
//! - [`os_release`]: which distribution an image is built on.
//! - [`images`]: what a base image reference says (slim, CUDA flavour, musl).
//! - [`installers`]: official `curl | sh` installers of tools.
//! - [`models`]: typical sizes of model weights downloaded at build time.
//! - [`secrets`]: what a secret looks like (names, token shapes, files).
//! - [`rules`]: severities and the rule names lint and image findings share.
//! - [`units`]: byte sizes as every command prints and parses them.
//! - [`packages`]: package families (dev tools, GPU builds, OpenCV) and the
//!   dated table of typical installed sizes used when no image is at hand.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod apk;
pub mod apt;
pub mod bases;
pub mod conda;
pub mod distributions;
pub mod dpkg;
pub mod droppable;
pub mod images;
pub mod installers;
pub mod models;
pub mod os_release;
pub mod packages;
pub mod paths;
pub mod python;
pub mod rules;
pub mod secrets;
pub mod torch;
pub mod units;
