//! Other things a RUN can do that matter for size, cache and security:
//! deleting paths, cleaning package caches, piping a download into a shell,
//! downloading models, turning off TLS verification, using sudo.

use crate::python::Tool;
use crate::{Command, Script};

/// Paths a command deletes (`rm -rf a b`, `rm -r`, `rm -f`).
pub fn removed_paths(cmd: &Command) -> Vec<String> {
    if cmd.name() != Some("rm") {
        return Vec::new();
    }
    cmd.args()
        .filter(|a| !a.starts_with('-'))
        .map(str::to_string)
        .collect()
}

/// Caches a command cleans, as paths (`apt-get clean` empties the apt
/// archives, `pip cache purge` the pip cache, ...).
pub fn cleaned_caches(cmd: &Command) -> Vec<&'static str> {
    let cache_of = |tool: Tool| tool.root_cache_dir().into_iter().collect();
    let mut args: Vec<&str> = cmd.args().collect();
    let mut name = cmd.name();
    // `python -m pip cache purge` is `pip cache purge`.
    if name.is_some_and(|n| n.starts_with("python"))
        && args.first() == Some(&"-m")
        && args.len() > 1
    {
        name = Some(args[1]);
        args.drain(..2);
    }
    let name = name.map(|n| if n.starts_with("pip") { "pip" } else { n });
    match (name, args.as_slice()) {
        (Some("apt-get" | "apt"), [.., "clean"]) => vec!["/var/cache/apt/archives"],
        (Some("pip"), ["cache", "purge" | "remove", ..]) => cache_of(Tool::Pip),
        (Some("poetry"), ["cache", "clear", ..]) if args.contains(&"--all") => {
            cache_of(Tool::Poetry)
        }
        (Some("uv"), ["cache", "clean" | "prune", ..]) => cache_of(Tool::UvPip),
        (Some("conda" | "mamba" | "micromamba"), ["clean", ..]) => cache_of(Tool::Conda),
        (Some("dnf" | "yum" | "microdnf"), ["clean", "all", ..]) => {
            vec!["/var/cache/dnf", "/var/cache/yum"]
        }
        (Some("apk"), ["cache", "clean", ..]) => vec!["/var/cache/apk"],
        (Some("npm"), ["cache", "clean", ..]) => vec!["/root/.npm"],
        _ => Vec::new(),
    }
}

/// Whether a command installs OS packages through apt on its own:
/// `playwright install-deps` and `playwright install --with-deps` (also run
/// through `npx`, `uvx`, `python -m`) update the lists and install.
pub fn installs_os_packages_itself(cmd: &Command) -> bool {
    let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    // Any `playwright` word: `uvx --from playwright playwright install-deps`
    // names it twice.
    words.iter().enumerate().any(|(at, w)| {
        if w.rsplit('/').next() != Some("playwright") {
            return false;
        }
        let rest = &words[at + 1..];
        rest.first() == Some(&"install-deps")
            || (rest.first() == Some(&"install") && rest.contains(&"--with-deps"))
    })
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ash", "python", "python3", "perl", "ruby",
];

/// Indices of commands that download (curl, wget) and pipe into a shell or interpreter.
pub fn downloads_piped_to_shell(script: &Script) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, c) in script.commands.iter().enumerate() {
        if !matches!(c.name(), Some("curl" | "wget")) || !script.pipes_into_next(i) {
            continue;
        }
        let next = &script.commands[i + 1];
        let mut name = next.name();
        if name == Some("sudo") {
            name = next
                .words
                .get(1)
                .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text));
        }
        if name.is_some_and(|n| SHELLS.contains(&n)) {
            out.push(i);
        }
    }
    out
}

/// Model weights a `wget`/`curl` fetches: URLs of weight files
/// (`.safetensors`, `.pt`, `.gguf`, `.onnx`, ...), of a Hugging Face
/// `resolve/` path, or of an archive under a models or weights path
/// (`.../models/embeddings/mpnet-base-v2.zip`).
pub fn weight_downloads(cmd: &Command) -> Vec<String> {
    if !matches!(cmd.name(), Some("wget" | "curl")) {
        return Vec::new();
    }
    cmd.args()
        .filter(|a| a.starts_with("http://") || a.starts_with("https://"))
        .filter(|url| is_weights_url(url))
        .map(str::to_string)
        .collect()
}

fn is_weights_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    let file = path.rsplit('/').next().unwrap_or(path);
    const WEIGHTS: &[&str] = &[
        ".safetensors",
        ".pt",
        ".pth",
        ".ckpt",
        ".gguf",
        ".ggml",
        ".onnx",
        ".h5",
        ".tflite",
        ".mlmodel",
        ".pte",
        ".engine",
    ];
    const ARCHIVES: &[&str] = &[".zip", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".tar.zst"];
    let model_path = path.split('/').any(|c| {
        matches!(
            c,
            "models" | "model" | "weights" | "checkpoints" | "embeddings"
        )
    });
    WEIGHTS.iter().any(|s| file.ends_with(s))
        || (path.contains("huggingface.co/") && path.contains("/resolve/"))
        || (file.ends_with(".bin")
            && (model_path || file.starts_with("pytorch_model") || file.starts_with("model")))
        || (model_path && ARCHIVES.iter().any(|s| file.ends_with(s)))
}

/// Model repositories a command downloads: `huggingface-cli download REPO`,
/// `hf download REPO`, and Python one-liners calling `from_pretrained(...)`,
/// `snapshot_download(...)`, `hf_hub_download(...)`, `SentenceTransformer(...)`.
pub fn model_downloads(cmd: &Command) -> Vec<String> {
    let args: Vec<&str> = cmd.args().collect();
    match cmd.name() {
        Some("huggingface-cli" | "hf") if args.first() == Some(&"download") => {
            return args
                .iter()
                .skip(1)
                .find(|a| !a.starts_with('-'))
                .map(|s| s.to_string())
                .into_iter()
                .collect();
        }
        Some(n) if n.starts_with("python") => {
            let code: Vec<&str> = args
                .windows(2)
                .filter(|w| w[0] == "-c")
                .map(|w| w[1])
                .collect();
            return code.iter().flat_map(|c| python_calls(c)).collect();
        }
        _ => {}
    }
    Vec::new()
}

/// Model ids passed to download calls in Python source.
pub fn python_calls(code: &str) -> Vec<String> {
    const CALLS: &[&str] = &[
        "from_pretrained(",
        "snapshot_download(",
        "hf_hub_download(",
        "SentenceTransformer(",
        "pipeline(",
        "load_dataset(",
        "torch.hub.load(",
    ];
    let mut out = Vec::new();
    // torchvision/timm constructors fetching pretrained weights:
    // `models.resnet50(weights=...)`, `timm.create_model("x", pretrained=True)`.
    if code.contains("torchvision") || code.contains("timm") {
        let mut rest = code;
        while let Some(p) = rest.find("models.") {
            let after = &rest[p + "models.".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let args = &after[name.len()..];
            let call_args = args
                .strip_prefix('(')
                .map(|a| a.split(')').next().unwrap_or(""));
            if let Some(a) = call_args
                && (a.contains("weights=") && !a.contains("weights=None")
                    || a.contains("pretrained=True"))
            {
                let id = format!("torchvision/{name}");
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            rest = after;
        }
    }
    for call in CALLS {
        let mut rest = code;
        while let Some(p) = rest.find(call) {
            let before = &rest[..p];
            let after = &rest[p + call.len()..];
            rest = after;
            // A tokenizer is a small file, not weights.
            if call == &"from_pretrained(" && before.trim_end_matches('.').ends_with("Tokenizer") {
                continue;
            }
            let id = first_string_argument(after)
                .unwrap_or_else(|| call.trim_end_matches('(').to_string());
            if !id.is_empty() && !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The model id a call names: its first positional string argument, or
/// the string given to `model_name_or_path=` / `repo_id=` / `model=` /
/// `pretrained_model_name_or_path=`.
fn first_string_argument(args: &str) -> Option<String> {
    let arg = args.trim_start();
    let quoted = |s: &str| {
        let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        s[1..].split(q).next().map(str::to_string)
    };
    if let Some(v) = quoted(arg) {
        return Some(v);
    }
    let call: String = {
        let mut depth = 0;
        arg.chars()
            .take_while(|c| {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => return false,
                    ')' => depth -= 1,
                    _ => {}
                }
                true
            })
            .collect()
    };
    for key in [
        "model_name_or_path",
        "pretrained_model_name_or_path",
        "repo_id",
        "model",
    ] {
        let mut rest = call.as_str();
        while let Some(p) = rest.find(key) {
            let tail = rest[p + key.len()..].trim_start();
            if let Some(v) = tail.strip_prefix('=').and_then(|t| quoted(t.trim_start())) {
                return Some(v);
            }
            rest = &rest[p + key.len()..];
        }
    }
    None
}

/// Options that turn off TLS or signature verification, with what they are.
pub fn tls_bypasses(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    let name = cmd.name().unwrap_or("");
    let args: Vec<&str> = cmd.args().collect();
    for (i, a) in args.iter().enumerate() {
        let hit = match name {
            "curl" => {
                matches!(*a, "-k" | "--insecure")
                    || (a.starts_with('-')
                        && !a.starts_with("--")
                        && a.len() > 2
                        && a.contains('k')
                        && a.chars().skip(1).all(|c| c.is_ascii_alphabetic()))
            }
            "wget" => *a == "--no-check-certificate",
            "pip" | "pip3" | "uv" | "python" | "python3" => a.starts_with("--trusted-host"),
            "git" => {
                a.to_ascii_lowercase().contains("sslverify=false")
                    || (i > 0
                        && args[i - 1] == "-c"
                        && a.to_ascii_lowercase().contains("sslverify=false"))
            }
            "npm" | "yarn" => {
                a.contains("strict-ssl") && args.get(i + 1).is_some_and(|v| *v == "false")
                    || *a == "--strict-ssl=false"
            }
            "apk" => *a == "--allow-untrusted",
            "apt-get" | "apt" => {
                matches!(*a, "--allow-unauthenticated" | "--force-yes")
                    || a.contains("AllowUnauthenticated")
            }
            "dnf" | "yum" | "microdnf" => {
                *a == "--nogpgcheck" || a.contains("sslverify=0") || a.contains("sslverify=false")
            }
            "rpm" => *a == "--nosignature" || *a == "--nodigest",
            _ => false,
        };
        if hit {
            out.push(format!("{name} {a}"));
        }
    }
    for (k, v) in &cmd.assignments {
        if is_tls_bypass_env(k, v) {
            out.push(format!("{k}={v}"));
        }
    }
    out
}

/// Environment settings that turn off TLS verification.
pub fn is_tls_bypass_env(key: &str, value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']).to_ascii_lowercase();
    match key {
        "PYTHONHTTPSVERIFY" => v == "0",
        "NODE_TLS_REJECT_UNAUTHORIZED" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "PIP_TRUSTED_HOST" | "UV_INSECURE_HOST" => !v.is_empty(),
        "NPM_CONFIG_STRICT_SSL" => v == "false",
        "CURL_INSECURE" | "REQUESTS_CA_BUNDLE" => {
            v.is_empty() && key == "REQUESTS_CA_BUNDLE" || key == "CURL_INSECURE" && v == "1"
        }
        _ => false,
    }
}

/// What a command downloads into the running user's home directory
/// (`~/.cache/ms-playwright`, `~/.cache/huggingface`, `~/nltk_data`), and
/// the environment variable that puts it elsewhere: `(what, variable)`.
pub fn home_downloads(cmd: &Command) -> Option<(&'static str, &'static str)> {
    let args: Vec<&str> = cmd.args().collect();
    let name = cmd.name()?;
    let playwright = |a: &[&str]| a.first() == Some(&"install");
    match name {
        "playwright" if playwright(&args) => {
            return Some((
                "`playwright install` (browsers)",
                "PLAYWRIGHT_BROWSERS_PATH",
            ));
        }
        "huggingface-cli" | "hf" if args.first() == Some(&"download") => {
            let elsewhere = args
                .iter()
                .any(|a| a.starts_with("--local-dir") || a.starts_with("--cache-dir"));
            return (!elsewhere).then_some(("a Hugging Face download", "HF_HOME"));
        }
        _ => {}
    }
    if name.starts_with("python") {
        if args
            .windows(2)
            .any(|w| w[0] == "-m" && w[1] == "playwright")
        {
            let rest: Vec<&str> = args
                .iter()
                .skip_while(|a| **a != "playwright")
                .skip(1)
                .copied()
                .collect();
            if playwright(&rest) {
                return Some((
                    "`playwright install` (browsers)",
                    "PLAYWRIGHT_BROWSERS_PATH",
                ));
            }
        }
        let nltk = args
            .windows(2)
            .any(|w| w[0] == "-m" && w[1] == "nltk.downloader")
            || args.iter().any(|a| a.contains("nltk.download("));
        if nltk && !args.contains(&"-d") {
            return Some(("an NLTK data download", "NLTK_DATA"));
        }
        if !model_downloads(cmd).is_empty() {
            return Some(("a Hugging Face download", "HF_HOME"));
        }
    }
    None
}

/// Whether the command runs through sudo.
pub fn uses_sudo(cmd: &Command) -> bool {
    cmd.name() == Some("sudo")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn playwright_installs_its_own_os_packages() {
        for (text, yes) in [
            ("playwright install-deps chromium", true),
            (
                "uvx --quiet --from playwright playwright install-deps chromium",
                true,
            ),
            ("npx playwright install --with-deps", true),
            ("playwright install chromium", false),
        ] {
            let s = parse(text);
            assert_eq!(installs_os_packages_itself(&s.commands[0]), yes, "{text}");
        }
    }

    #[test]
    fn downloads_into_the_home_directory() {
        for (text, env) in [
            (
                "playwright install --with-deps chromium",
                Some("PLAYWRIGHT_BROWSERS_PATH"),
            ),
            (
                "python -m playwright install chromium",
                Some("PLAYWRIGHT_BROWSERS_PATH"),
            ),
            ("playwright install-deps", None),
            ("python -m nltk.downloader punkt", Some("NLTK_DATA")),
            (
                "python -m nltk.downloader -d /usr/share/nltk_data punkt",
                None,
            ),
            (
                "huggingface-cli download BAAI/bge-small-en",
                Some("HF_HOME"),
            ),
            (
                "huggingface-cli download BAAI/bge-small-en --local-dir /models",
                None,
            ),
            (
                "python -c \"from sentence_transformers import SentenceTransformer; SentenceTransformer('all-MiniLM-L6-v2')\"",
                Some("HF_HOME"),
            ),
            ("pip install playwright", None),
        ] {
            let s = parse(text);
            assert_eq!(home_downloads(&s.commands[0]).map(|d| d.1), env, "{text}");
        }
    }

    #[test]
    fn deletions_and_cleans() {
        let s = parse(
            "rm -rf /var/lib/apt/lists/* /root/.cache/pip && apt-get clean && pip cache purge",
        );
        assert_eq!(
            removed_paths(&s.commands[0]),
            ["/var/lib/apt/lists/*", "/root/.cache/pip"]
        );
        assert_eq!(cleaned_caches(&s.commands[1]), ["/var/cache/apt/archives"]);
        assert_eq!(cleaned_caches(&s.commands[2]), ["/root/.cache/pip"]);
    }

    #[test]
    fn weights_by_url_and_model_ids() {
        let c = &crate::parse(
            "wget https://d3dg1063dc54p9.cloudfront.net/models/embeddings/mpnet-base-v2.zip",
        )
        .commands[0];
        assert_eq!(weight_downloads(c).len(), 1);
        let c =
            &crate::parse("curl -L -o m.gguf https://huggingface.co/org/m/resolve/main/m.Q4.gguf")
                .commands[0];
        assert_eq!(weight_downloads(c).len(), 1);
        let c = &crate::parse("wget https://github.com/x/y/releases/download/v1/tool.tar.gz")
            .commands[0];
        assert!(weight_downloads(c).is_empty());
        assert_eq!(
            python_calls(
                "from sentence_transformers import SentenceTransformer; SentenceTransformer(model_name_or_path='nomic-ai/nomic-embed-text-v1', trust_remote_code=False)"
            ),
            ["nomic-ai/nomic-embed-text-v1"]
        );
        assert!(python_calls("from tokenizers import Tokenizer; Tokenizer.from_pretrained('nomic-ai/nomic-embed-text-v1')").is_empty());
        assert!(python_calls("AutoTokenizer.from_pretrained('bert-base-uncased')").is_empty());
    }

    #[test]
    fn downloads_and_bypasses() {
        let s = parse(
            "curl -fsSL https://x/install.sh | sh && wget -qO- https://y | sudo bash -s -- -y && curl -o f https://z",
        );
        assert_eq!(downloads_piped_to_shell(&s), vec![0, 2]);
        let s = parse(
            "python -c \"from transformers import AutoModel; AutoModel.from_pretrained('bert-base-uncased')\" && huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 --local-dir /m",
        );
        assert_eq!(model_downloads(&s.commands[0]), ["bert-base-uncased"]);
        assert_eq!(
            model_downloads(&s.commands[1]),
            ["sentence-transformers/all-MiniLM-L6-v2"]
        );
        let s = parse(
            "curl -fsSLk https://x -o y; pip install --trusted-host pypi.x.com pkg; PYTHONHTTPSVERIFY=0 python a.py; git -c http.sslVerify=false clone x",
        );
        let found: Vec<String> = s.commands.iter().flat_map(tls_bypasses).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(uses_sudo(&parse("sudo pip install x").commands[0]));
    }
}
