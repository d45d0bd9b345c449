//! Whether the image is meant for a GPU: the signals a Dockerfile gives.

use super::Checker;
use ballast_dockerfile::Keyword;
use ballast_dockerfile::stages::env_pairs;
use ballast_ml::images::ImageRef;
use ballast_ml::images::is_accelerator_image;
use ballast_ml::images::is_gpu_image;
use ballast_ml::packages;
use ballast_ml::torch::TorchSource;
use ballast_ml::torch::source_of;
use ballast_shell::Command;
use ballast_shell::os::Action;
use ballast_shell::os::package_command;

/// Environment variables that say the image is meant for a GPU.
const GPU_ENV: &[&str] = &[
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "NVIDIA_REQUIRE_CUDA",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_HOME",
    "CUDA_PATH",
    "CUDA_VERSION",
    "TORCH_CUDA_ARCH_LIST",
];

impl<'a> Checker<'a> {
    /// Why the image is meant for a GPU, if anything says so: a GPU base
    /// image, NVIDIA/CUDA environment, GPU-only packages or a CUDA index.
    pub fn gpu_signal(&self) -> Option<String> {
        for &s in &self.reachable {
            if let Some((img, from)) = self.base_image(s)
                && (is_gpu_image(&ImageRef::parse(&img))
                    || is_accelerator_image(&ImageRef::parse(&img)))
            {
                return Some(format!(
                    "base image {img} (line {})",
                    self.inst(from).start_line
                ));
            }
        }
        for (i, inst) in self.df.instructions.iter().enumerate() {
            if !self.is_reachable(i) {
                continue;
            }
            if matches!(inst.keyword, Keyword::Env | Keyword::Arg) {
                let names: Vec<String> = if inst.keyword == Keyword::Env {
                    env_pairs(inst).into_iter().map(|(k, _)| k).collect()
                } else {
                    inst.values()
                        .iter()
                        .map(|v| v.split('=').next().unwrap_or(v).to_string())
                        .collect()
                };
                if let Some(n) = names.iter().find(|n| GPU_ENV.contains(&n.as_str())) {
                    return Some(format!(
                        "{} {n} (line {})",
                        inst.keyword_text.to_ascii_uppercase(),
                        inst.start_line
                    ));
                }
            }
            let Some(run) = &self.runs[i] else { continue };
            for p in self.python_installs(run) {
                if let Some(g) = p
                    .resolved
                    .gpu_source
                    .as_ref()
                    .or(p.resolved.accelerator_source.as_ref())
                {
                    return Some(format!("{g} (line {})", inst.start_line));
                }
                if let Some(r) = p
                    .requested
                    .iter()
                    .find(|r| packages::signals_gpu(&r.requirement.name))
                {
                    return Some(format!(
                        "{} installed (line {})",
                        r.describe(),
                        inst.start_line
                    ));
                }
            }
            for (_, cmd) in run.commands() {
                if let Some(url) = pip_config_index(cmd)
                    && source_of(&url).is_some_and(|s| s != TorchSource::Cpu)
                {
                    return Some(format!(
                        "pip configured with {url} (line {})",
                        inst.start_line
                    ));
                }
                if let Some(pc) = package_command(cmd).filter(|p| p.action == Action::Install)
                    && let Some(w) = pc.packages.iter().find(|w| {
                        let n = w.text.to_ascii_lowercase();
                        // CUDA's libraries, or the driver's.
                        ballast_ml::dpkg::is_cuda_package(&n)
                            || n.starts_with("nvidia-")
                            || n.starts_with("libnvidia")
                    })
                {
                    return Some(format!("{} installed (line {})", w.text, inst.start_line));
                }
            }
        }
        None
    }
}

/// The index a `pip config set global.index-url|extra-index-url URL` sets.
fn pip_config_index(cmd: &Command) -> Option<String> {
    let args: Vec<&str> = cmd.args().collect();
    let tail = match cmd.name()? {
        n if n.starts_with("pip") => &args[..],
        n if n.starts_with("python") && args.first() == Some(&"-m") => &args[2.min(args.len())..],
        _ => return None,
    };
    match tail {
        ["config", "set", key, value, ..]
            if key.ends_with("index-url") || key.ends_with("extra-index-url") =>
        {
            Some(value.to_string())
        }
        _ => None,
    }
}
