//! The ML breakdown on a hand-made image: distributions sized from RECORD
//! (shared `nvidia/` namespace counted once), the torch variant, CUDA
//! duplicates, hub-cache weights followed through snapshot links, dpkg
//! packages through merged-/usr symlinks, and the findings.

use ballast_image::inspection::Report;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load};
use ballast_ml::paths::Group;
use ballast_testkit::image::{Format, ImageSpec};
use ballast_testkit::ml_image::SP;

fn image() -> ImageSpec {
    ballast_testkit::ml_image::image()
}

fn report() -> &'static Report {
    static REPORT: std::sync::OnceLock<Report> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        image().write(Format::OciLayout, &path).unwrap();
        let opts = LoadOptions::for_report();
        analyze(
            load(path.to_str().unwrap(), &opts).unwrap(),
            &AnalyzeOptions::default(),
        )
    })
}

#[test]
fn distributions_are_sized_from_record_with_shared_files_once() {
    let r = report();
    let d = |n: &str| {
        r.python
            .distributions
            .iter()
            .find(|d| d.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    // RECORD files are tiny; their sizes count too (RECORD, METADATA, INSTALLER listed or not).
    let torch = d("torch");
    assert_eq!(torch.version, "2.5.1");
    assert!(
        torch.bytes >= 4_000_100 && torch.bytes < 4_001_000,
        "{}",
        torch.bytes
    );
    // nvidia/__init__.py is claimed by both nvidia dists: counted for the first only.
    assert_eq!(d("nvidia_cublas_cu12").files, 2 + 1); // __init__, libcublas, RECORD
    assert_eq!(d("nvidia_cudnn_cu12").files, 1 + 1); // libcudnn, RECORD
    assert_eq!(d("opencv_python").installer.as_deref(), Some("pip"));
    let t = r.python.torch.as_ref().unwrap();
    assert_eq!(t.variant, "cu124");
    let env = &r.python.environments[0];
    assert_eq!(env.site_packages, SP);
    assert_eq!(env.python_version.as_deref(), Some("3.11"));
}

#[test]
fn cuda_libraries_and_their_duplicates() {
    let r = report();
    assert_eq!(r.cuda.pip_bytes, 3_000_000 + 1_500_000 + 4_000_000);
    assert_eq!(r.cuda.system_bytes, 2_500_000);
    assert_eq!(r.cuda.duplicates.len(), 1);
    assert_eq!(r.cuda.duplicates[0].soname, "libcublas.so.12");
    assert_eq!(r.cuda.duplicates[0].extra_bytes, 2_500_000);
    assert_eq!(r.categories.nvidia_bytes, 10 + 3_000_000 + 1_500_000);
}

#[test]
fn hub_weights_follow_snapshot_links_once() {
    let r = report();
    let hub = r.model_weights.iter().find(|w| w.kind == "hub").unwrap();
    assert_eq!(hub.name, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(hub.bytes, 2_000_000 + 1_100_000);
    assert_eq!(hub.revisions, 2);
    let orphan = r
        .model_weights
        .iter()
        .find(|w| w.kind == "hub-unreferenced")
        .unwrap();
    assert_eq!(orphan.bytes, 1_200_000);
    assert_eq!(
        r.categories.model_weights_bytes,
        2_000_000 + 1_100_000 + 1_200_000
    );
}

#[test]
fn os_packages_resolve_merged_usr_paths() {
    let r = report();
    let p = |n: &str| r.os_packages.iter().find(|p| p.name == n).unwrap();
    assert_eq!(p("libc6").bytes, 2_000);
    assert_eq!(p("gcc-12").bytes, 1_500_000);
    assert!(p("gcc-12").build_tool);
    assert_eq!(r.categories.build_tools_bytes, 1_500_000);
}

#[test]
fn findings_name_the_lint_rules_and_their_savings() {
    let r = report();
    let f = |n: &str| {
        r.findings
            .iter()
            .filter(|f| f.name.as_str() == n)
            .collect::<Vec<_>>()
    };
    assert_eq!(f("pip-cache-kept")[0].savings_bytes, 1_500_000);
    assert_eq!(f("duplicate-cuda-runtime")[0].savings_bytes, 2_500_000);
    assert!(f("cuda-torch-without-gpu")[0].message.contains("cu124"));
    assert_eq!(
        f("cuda-torch-without-gpu")[0].savings_bytes,
        r.categories.nvidia_bytes
    );
    assert!(f("dev-packages-in-image")[0].message.contains("jupyter"));
    assert_eq!(f("build-tools-in-final-stage")[0].savings_bytes, 1_500_000);
    assert!(
        f("opencv-gui-in-server")[0]
            .message
            .contains("opencv-python-headless")
    );
    assert!(
        f("model-downloaded-at-build")
            .iter()
            .any(|x| x.message.contains("flax_model.msgpack") && x.savings_bytes == 1_100_000)
    );
    assert!(
        f("hf-cache-in-image")
            .iter()
            .any(|x| x.savings_bytes == 1_200_000)
    );
    assert_eq!(f("root-user").len(), 1);
    assert!(f("secret-in-arg-or-env")[0].message.contains("HF_TOKEN"));
    // Largest savings first.
    assert!(
        r.findings
            .windows(2)
            .all(|w| w[0].savings_bytes >= w[1].savings_bytes)
    );
}

#[test]
fn composition_splits_the_final_filesystem_into_disjoint_groups() {
    let r = report();
    let c = &r.composition;
    let bytes: u64 = c.iter().map(|g| g.bytes).sum();
    let files: u64 = c.iter().map(|g| g.files).sum();
    assert_eq!(bytes, r.totals.final_bytes, "{c:?}");
    assert_eq!(files, r.totals.files, "{c:?}");
    assert!(
        c.windows(2).all(|w| w[0].bytes >= w[1].bytes),
        "largest first"
    );
    let group = |g: Group| c.iter().find(|x| x.group == g).map_or(0, |x| x.bytes);
    // pip's nvidia wheels (with their __init__.py), libtorch_cuda, the system cuBLAS.
    assert_eq!(
        group(Group::Cuda),
        10 + 3_000_000 + 1_500_000 + 4_000_000 + 2_500_000
    );
    // The hub snapshot's two revisions and the unreferenced blob.
    assert!(group(Group::Weights) >= 2_000_000 + 1_100_000, "{c:?}");
}
