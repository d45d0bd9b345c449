//! ## What it does
//! Flags a service that asks for a GPU (`deploy.resources.reservations.
//! devices` with `driver: nvidia`, `gpus:`, `runtime: nvidia`, a CDI
//! device) whose image, built by the project, installs a CPU-only torch.
//!
//! ## Why it matters
//! CPU-only torch never uses the GPU: the service reserves a device it
//! cannot use, and runs its models on the CPU, many times slower. Either
//! the compose file is meant for another build (a GPU variant of the
//! Dockerfile, a build argument) or the reservation is wasted.
//!
//! ## Example
//! ```yaml
//! services:
//!   inference:
//!     build: .          # pip install torch --index-url .../whl/cpu
//!     deploy:
//!       resources:
//!         reservations:
//!           devices:
//!             - driver: nvidia
//!               count: 1
//!               capabilities: [gpu]
//! ```
//!
//! ## Fix safety
//! No fix: which of the two is wrong is yours to say.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL912",
    name: "compose-gpu-without-cuda-torch",
    family: Family::Runtime,
    severity: Severity::Warning,
    summary: "A service asks for a GPU but its image has CPU-only torch",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let (Some(gpu), Some(facts)) = (cx.service.gpu_request(), cx.image) else {
        return;
    };
    if facts.torch_cpu == Some(true) {
        out.push(
            Finding::new(
                &RULE,
                gpu.span,
                format!(
                    "{} asks for a GPU ({}) but {} installs CPU-only torch",
                    cx.service.describe(), gpu.how, facts.dockerfile
                ),
            )
            .help("build it with CUDA torch (drop the CPU index for this variant), or remove the GPU reservation"),
        );
    }
}
