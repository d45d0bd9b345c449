//! An ML image for tests of the analysis and its printers: a CUDA torch with
//! its nvidia wheels, a pip cache, a Hugging Face cache, build tools, a
//! secret in the environment. Every figure the analysis reports on it is
//! worked out in `ballast_image/tests/ml_breakdown.rs`.

use crate::image::{Content, Entry, ImageSpec, Layer, text, zeros};

/// Where the sample's distributions live.
pub const SP: &str = "usr/local/lib/python3.11/site-packages";

/// A RECORD file of rows (path, size).
pub fn record(rows: &[(&str, u64)]) -> String {
    rows.iter()
        .map(|(p, s)| format!("{p},sha256=x,{s}\r\n"))
        .collect()
}

/// A distribution's files, its RECORD, METADATA and INSTALLER.
pub fn dist(name: &str, version: &str, files: &[(&str, u64)], extra_meta: &str) -> Vec<Entry> {
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

/// The sample: torch with nvidia wheels, jupyter, OpenCV, a pip cache, a
/// Hugging Face hub cache with an unreferenced blob, gcc from dpkg, a
/// secret-looking variable.
pub fn image() -> ImageSpec {
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

/// [`image`] without its caches and without jupyter: what a fixed build
/// would store (the second image of the diff tests).
pub fn without_caches() -> ImageSpec {
    let mut spec = image();
    for layer in &mut spec.layers {
        layer.entries.retain(|e| match e {
            Entry::File(p, _) => {
                !p.contains("/.cache/pip/") && !p.contains("/blobs/4444") && !p.contains("jupyter")
            }
            _ => true,
        });
    }
    spec
}
