//! Which accelerator a torch build targets.
//!
//! The Python package index cannot host local versions, so a bare `2.5.1` on
//! Linux x86_64 is the CUDA build. The decision uses, in order: the local
//! version tag, `torch/version.py`, the presence of `libtorch_cuda.so` /
//! `libtorch_hip.so`, and nvidia-* requirements in METADATA.

use serde::Serialize;

/// A torch build's accelerator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "version", rename_all = "snake_case")]
pub enum TorchVariant {
    /// CPU only (`+cpu`, no CUDA libraries).
    Cpu,
    /// CUDA, with the CUDA version when known (`12.4`, or a tag like `cu124`).
    Cuda(Option<String>),
    /// ROCm (`+rocm6.2`).
    Rocm(Option<String>),
    /// Intel XPU (`+xpu`).
    Xpu,
}

impl TorchVariant {
    /// A short label: `cpu`, `cu124`, `cuda`, `rocm6.2`, `xpu`.
    pub fn label(&self) -> String {
        match self {
            TorchVariant::Cpu => "cpu".into(),
            TorchVariant::Cuda(Some(v)) if v.starts_with("cu") => v.clone(),
            TorchVariant::Cuda(Some(v)) => format!("cu{}", v.replace('.', "")),
            TorchVariant::Cuda(None) => "cuda".into(),
            TorchVariant::Rocm(Some(v)) => format!("rocm{v}"),
            TorchVariant::Rocm(None) => "rocm".into(),
            TorchVariant::Xpu => "xpu".into(),
        }
    }

    /// Whether this build ships or needs GPU libraries.
    pub fn is_gpu(&self) -> bool {
        !matches!(self, TorchVariant::Cpu)
    }
}

/// What is known about an installed torch.
#[derive(Debug, Default, Clone)]
pub struct TorchEvidence<'a> {
    /// The installed version (`2.5.1+cu121`).
    pub version: Option<&'a str>,
    /// The text of `torch/version.py`.
    pub version_py: Option<&'a str>,
    /// `torch/lib/libtorch_cuda.so` is present.
    pub has_libtorch_cuda: bool,
    /// `torch/lib/libtorch_hip.so` is present.
    pub has_libtorch_hip: bool,
    /// METADATA requires nvidia-* distributions.
    pub requires_nvidia: bool,
}

/// The PyTorch CPU wheel index: what ballast's fixes install torch from on
/// an image with no GPU.
pub const CPU_INDEX: &str = "https://download.pytorch.org/whl/cpu";

/// Where an install takes torch from, judged by an index URL, a uv
/// `--torch-backend` / `UV_TORCH_BACKEND` value or a local version tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TorchSource {
    /// A CPU-only build (`/whl/cpu`, `cpu`, `+cpu`).
    Cpu,
    /// An explicit GPU build: CUDA or ROCm (`/whl/cu124`, `/whl/rocm6.2`, `cu124`).
    Gpu,
    /// Another accelerator's index (Intel XPU, AWS Neuron, Ascend NPU,
    /// Habana Gaudi): not the CUDA build, not a CPU choice either.
    Accelerator,
}

/// Classifies an index URL, a backend name (`cpu`, `cu126`, `rocm6.2`,
/// `xpu`, `auto`) or a local version (`2.5.1+cpu`).
pub fn source_of(value: &str) -> Option<TorchSource> {
    let v = value.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    let local = v.rsplit_once('+').map(|(_, l)| l).unwrap_or("");
    let whl = v
        .split("/whl/")
        .nth(1)
        .map(|r| r.split('/').next().unwrap_or(""));
    let tag = whl.unwrap_or(if v.contains('/') || v.contains(':') {
        ""
    } else if local.is_empty() {
        v.as_str()
    } else {
        local
    });
    let accelerator = [
        "neuron",
        "habana",
        "ascend",
        "intel-extension",
        "xpu",
        "npu",
        "gaudi",
    ]
    .iter()
    .any(|k| v.contains(k));
    if tag == "cpu" || tag.starts_with("cpu.") || tag.starts_with("cpu-") {
        Some(TorchSource::Cpu)
    } else if tag.starts_with("cu1")
        || tag.starts_with("cu9")
        || tag.starts_with("rocm")
        || tag.starts_with("nightly/cu")
    {
        Some(TorchSource::Gpu)
    } else if accelerator {
        Some(TorchSource::Accelerator)
    } else {
        None
    }
}

/// The variant from a version's local tag, if it has one.
pub fn variant_from_version(version: &str) -> Option<TorchVariant> {
    let local = version.split_once('+')?.1.to_ascii_lowercase();
    Some(if local == "cpu" || local.starts_with("cpu.") {
        TorchVariant::Cpu
    } else if local.starts_with("cu") {
        TorchVariant::Cuda(Some(local))
    } else if let Some(v) = local.strip_prefix("rocm") {
        TorchVariant::Rocm(Some(v.to_string()))
    } else if local.starts_with("xpu") {
        TorchVariant::Xpu
    } else {
        return None;
    })
}

/// A value assigned in `torch/version.py` (`cuda = '12.4'`, `cuda: Optional[str] = '12.1'`).
pub fn version_py_value(text: &str, key: &str) -> Option<Option<String>> {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(key) else {
            continue;
        };
        let rest = rest.trim_start();
        if !(rest.starts_with('=') || rest.starts_with(':')) {
            continue;
        }
        let value = rest.rsplit('=').next()?.trim();
        if value == "None" {
            return Some(None);
        }
        return Some(Some(value.trim_matches(['\'', '"']).to_string()));
    }
    None
}

/// Decides the variant from all the evidence.
pub fn detect(e: &TorchEvidence<'_>) -> Option<TorchVariant> {
    if let Some(v) = e.version.and_then(variant_from_version) {
        return Some(v);
    }
    if let Some(text) = e.version_py {
        if let Some(Some(cuda)) = version_py_value(text, "cuda") {
            return Some(TorchVariant::Cuda(Some(cuda)));
        }
        if let Some(Some(hip)) = version_py_value(text, "hip") {
            return Some(TorchVariant::Rocm(Some(hip)));
        }
        if version_py_value(text, "cuda") == Some(None)
            && !e.has_libtorch_cuda
            && !e.has_libtorch_hip
        {
            return Some(TorchVariant::Cpu);
        }
    }
    if e.has_libtorch_cuda || e.requires_nvidia {
        return Some(TorchVariant::Cuda(None));
    }
    if e.has_libtorch_hip {
        return Some(TorchVariant::Rocm(None));
    }
    e.version.map(|_| TorchVariant::Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(
            source_of("https://download.pytorch.org/whl/cpu"),
            Some(TorchSource::Cpu)
        );
        assert_eq!(source_of("cpu"), Some(TorchSource::Cpu));
        assert_eq!(source_of("2.4.1+cpu"), Some(TorchSource::Cpu));
        assert_eq!(
            source_of("https://download.pytorch.org/whl/cu121"),
            Some(TorchSource::Gpu)
        );
        assert_eq!(
            source_of("https://download.pytorch.org/whl/rocm6.2"),
            Some(TorchSource::Gpu)
        );
        assert_eq!(source_of("2.7.1+cu128"), Some(TorchSource::Gpu));
        assert_eq!(
            source_of("https://download.pytorch.org/whl/xpu"),
            Some(TorchSource::Accelerator)
        );
        assert_eq!(
            source_of("https://pip.repos.neuron.amazonaws.com"),
            Some(TorchSource::Accelerator)
        );
        assert_eq!(source_of("https://pypi.org/simple"), None);
        assert_eq!(source_of("https://download.pytorch.org/whl/torch"), None);
    }

    #[test]
    fn local_tags() {
        assert_eq!(variant_from_version("2.5.1+cpu"), Some(TorchVariant::Cpu));
        assert_eq!(
            variant_from_version("2.5.1+cu121").unwrap().label(),
            "cu121"
        );
        assert_eq!(
            variant_from_version("2.5.1+rocm6.2").unwrap().label(),
            "rocm6.2"
        );
        assert_eq!(variant_from_version("2.5.1"), None);
    }

    #[test]
    fn evidence_order() {
        let py = "__version__ = '2.5.1'\ncuda: Optional[str] = '12.4'\nhip: Optional[str] = None\n";
        let e = TorchEvidence {
            version: Some("2.5.1"),
            version_py: Some(py),
            ..Default::default()
        };
        assert_eq!(detect(&e).unwrap().label(), "cu124");
        let cpu_py = "cuda = None\nhip = None\n";
        let e = TorchEvidence {
            version: Some("2.5.1"),
            version_py: Some(cpu_py),
            ..Default::default()
        };
        assert_eq!(detect(&e), Some(TorchVariant::Cpu));
        let e = TorchEvidence {
            version: Some("2.5.1"),
            has_libtorch_cuda: true,
            ..Default::default()
        };
        assert_eq!(detect(&e), Some(TorchVariant::Cuda(None)));
    }
}
