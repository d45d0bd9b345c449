//! The ML breakdown on a hand-made image: distributions sized from RECORD
//! (shared `nvidia/` namespace counted once), the torch variant, CUDA
//! duplicates, hub-cache weights followed through snapshot links, dpkg
//! packages through merged-/usr symlinks, and the findings.

use ballast_image::inspection::Report;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load};
use ballast_testkit::image::{Content, Entry, Format, ImageSpec, Layer, text, zeros};

const SP: &str = "usr/local/lib/python3.11/site-packages";

fn record(rows: &[(&str, u64)]) -> String {
    rows.iter()
        .map(|(p, s)| format!("{p},sha256=x,{s}\r\n"))
        .collect()
}

fn dist(name: &str, version: &str, files: &[(&str, u64)], extra_meta: &str) -> Vec<Entry> {
    let di = format!("{SP}/{name}-{version}.dist-info");
    let mut out: Vec<Entry> = files
        .iter()
        .map(|(p, s)| zeros(&format!("{SP}/{p}"), *s))
        .collect();
    let mut rows: Vec<(String, u64)> = files.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    rows.push((format!("{name}-{version}.dist-info/RECORD"), 0));
    let rows: Vec<(&str, u64)> = rows.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    out.push(text(&format!("{di}/RECORD"), &record(&rows)));
    out.push(text(
        &format!("{di}/METADATA"),
        &format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra_meta}\n"),
    ));
    out.push(text(&format!("{di}/INSTALLER"), "pip\n"));
    out
}

fn image() -> ImageSpec {
    let base = vec![
        Entry::Symlink("bin".into(), "usr/bin".into()),
        text(
            "var/lib/dpkg/status",
            "Package: libc6\nStatus: install ok installed\nVersion: 2.36\nArchitecture: amd64\nInstalled-Size: 1\n\nPackage: gcc-12\nStatus: install ok installed\nVersion: 12.2\nArchitecture: amd64\nInstalled-Size: 1\n",
        ),
        text(
            "var/lib/dpkg/info/libc6:amd64.list",
            "/.\n/lib/x86_64-linux-gnu/libc.so.6\n",
        ),
        text(
            "var/lib/dpkg/info/gcc-12.list",
            "/.\n/bin/gcc-12\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n",
        ),
        Entry::Symlink("lib".into(), "usr/lib".into()),
        zeros("usr/lib/x86_64-linux-gnu/libc.so.6", 2_000),
        zeros("usr/bin/gcc-12", 1_000_000),
        zeros("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 500_000),
        zeros("usr/local/cuda-12.4/lib64/libcublas.so.12", 2_500_000),
    ];
    let mut pip = Vec::new();
    pip.extend(dist(
        "torch",
        "2.5.1",
        &[
            ("torch/__init__.py", 100),
            ("torch/lib/libtorch_cuda.so", 4_000_000),
            ("torch/version.py", 0),
        ],
        "Requires-Dist: nvidia-cublas-cu12==12.4.5.8; platform_system == \"Linux\"",
    ));
    // torch/version.py with real content (replaces the empty placeholder).
    pip.push(text(
        &format!("{SP}/torch/version.py"),
        "__version__ = '2.5.1'\ncuda: Optional[str] = '12.4'\n",
    ));
    pip.extend(dist(
        "nvidia_cublas_cu12",
        "12.4.5.8",
        &[
            ("nvidia/__init__.py", 10),
            ("nvidia/cublas/lib/libcublas.so.12", 3_000_000),
        ],
        "",
    ));
    pip.extend(dist(
        "nvidia_cudnn_cu12",
        "9.1.0.70",
        &[
            ("nvidia/__init__.py", 10),
            ("nvidia/cudnn/lib/libcudnn.so.9", 1_500_000),
        ],
        "",
    ));
    pip.extend(dist("jupyter", "1.1.1", &[("jupyter.py", 300)], ""));
    pip.extend(dist(
        "opencv_python",
        "4.10.0.84",
        &[("cv2/__init__.py", 200), ("cv2/cv2.abi3.so", 9_000_000)],
        "",
    ));
    pip.push(zeros("root/.cache/pip/http-v2/a/b/c", 1_500_000));
    let hub = "root/.cache/huggingface/hub/models--sentence-transformers--all-MiniLM-L6-v2";
    let model = vec![
        zeros(&format!("{hub}/blobs/1111"), 2_000_000),
        zeros(&format!("{hub}/blobs/2222"), 10),
        zeros(&format!("{hub}/blobs/3333"), 1_200_000),
        Entry::File(format!("{hub}/blobs/4444"), Content::Zeros(1_100_000)),
        text(&format!("{hub}/refs/main"), "abc"),
        Entry::Symlink(
            format!("{hub}/snapshots/abc/model.safetensors"),
            "../../blobs/1111".into(),
        ),
        Entry::Symlink(
            format!("{hub}/snapshots/abc/config.json"),
            "../../blobs/2222".into(),
        ),
        Entry::Symlink(
            format!("{hub}/snapshots/abc/flax_model.msgpack"),
            "../../blobs/4444".into(),
        ),
        // A second link to the same blob must not count it twice.
        Entry::Symlink(
            format!("{hub}/snapshots/old/model.safetensors"),
            "../../blobs/1111".into(),
        ),
        text(
            "opt/venv/pyvenv.cfg",
            "home = /usr/local/bin\nversion = 3.11.7\n",
        ),
    ];
    let mut spec = ImageSpec::new(vec![
        Layer::new("ADD base", base),
        Layer::new("RUN pip install", pip),
        Layer::new("RUN download model", model),
    ]);
    spec.env.push("HF_TOKEN=hf_x".into());
    spec
}

fn report() -> &'static Report {
    static REPORT: std::sync::OnceLock<Report> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        image().write(Format::OciLayout, &path).unwrap();
        let opts = LoadOptions {
            capture: &ballast_image::capture,
            ..LoadOptions::default()
        };
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
