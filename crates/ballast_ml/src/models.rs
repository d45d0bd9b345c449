//! Model weights a build downloads: how big they typically are.
//!
//! A build-time download (`huggingface-cli download`, `from_pretrained`)
//! bakes the weights into a layer. Without the image the size is estimated:
//! from this dated table of common models, else from a parameter count in
//! the name (`7b` → 7 billion parameters at 2 bytes each, the fp16/bf16
//! checkpoints the Hub mostly serves).

/// Typical weight sizes: `(repository id, bytes, basis)`.
pub const MODEL_SIZES: &[(&str, u64, &str)] = &[
    (
        "sentence-transformers/all-minilm-l6-v2",
        90_900_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "sentence-transformers/all-mpnet-base-v2",
        438_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "baai/bge-small-en-v1.5",
        133_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "baai/bge-base-en-v1.5",
        438_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "baai/bge-large-en-v1.5",
        1_340_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "intfloat/e5-large-v2",
        1_340_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "bert-base-uncased",
        440_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "distilbert-base-uncased",
        268_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "gpt2",
        548_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "openai/whisper-small",
        967_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
    (
        "openai/whisper-large-v3",
        3_090_000_000,
        "model.safetensors on the Hugging Face Hub, 2026-11",
    ),
];

/// The estimated weight bytes of a model id, with the basis of the figure.
pub fn estimated_size(model: &str) -> Option<(u64, String)> {
    let id = model.trim().trim_end_matches('/').to_ascii_lowercase();
    let short = id.strip_prefix("sentence-transformers/").unwrap_or(&id);
    for (name, bytes, basis) in MODEL_SIZES {
        if *name == id || name.strip_prefix("sentence-transformers/") == Some(short) {
            return Some((*bytes, format!("estimate: {basis}")));
        }
    }
    let params = parameter_count(&id)?;
    Some((
        params * 2,
        format!(
            "estimate: {} parameters in the name at 2 bytes each (fp16/bf16)",
            format_params(params)
        ),
    ))
}

/// A parameter count written in a model name: `7b`, `1.5B`, `350m`.
fn parameter_count(id: &str) -> Option<u64> {
    let name = id.rsplit('/').next().unwrap_or(id);
    for part in name
        .split(['-', '_', '.'])
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w.join("."))
        .chain(name.split(['-', '_']).map(str::to_string))
    {
        let (num, unit) = part.split_at(part.len().saturating_sub(1));
        let mult = match unit {
            "b" => 1_000_000_000.0,
            "m" => 1_000_000.0,
            _ => continue,
        };
        if let Ok(n) = num.parse::<f64>()
            && n > 0.0
            && n < 2000.0
        {
            return Some((n * mult) as u64);
        }
    }
    None
}

fn format_params(p: u64) -> String {
    if p >= 1_000_000_000 {
        format!("{:.1}B", p as f64 / 1e9)
    } else {
        format!("{}M", p / 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(
            estimated_size("sentence-transformers/all-MiniLM-L6-v2")
                .unwrap()
                .0,
            90_900_000
        );
        assert_eq!(estimated_size("all-MiniLM-L6-v2").unwrap().0, 90_900_000);
        assert_eq!(
            estimated_size("mistralai/Mistral-7B-Instruct-v0.3")
                .unwrap()
                .0,
            14_000_000_000
        );
        assert_eq!(
            estimated_size("Qwen/Qwen2.5-1.5B").unwrap().0,
            3_000_000_000
        );
        assert_eq!(estimated_size("facebook/opt-350m").unwrap().0, 700_000_000);
        assert!(estimated_size("my-org/classifier").is_none());
    }
}
