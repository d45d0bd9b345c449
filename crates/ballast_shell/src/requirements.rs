//! Requirement specifiers (`torch==2.3.0`, `uvicorn[standard]>=0.30`) and
//! pip requirements files (`-r`, `-c`, `--index-url`, comments,
//! continuations).

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The distribution name as written.
    pub name: String,
    /// Extras (`[standard]`).
    pub extras: Vec<String>,
    /// Everything after the name and extras (version specifiers, markers).
    pub spec: String,
    /// The requirement as written.
    pub raw: String,
}

impl Requirement {
    /// The pinned version, for `name==X`.
    pub fn pinned_version(&self) -> Option<&str> {
        let s = self.spec.split(';').next().unwrap_or("").trim();
        s.strip_prefix("==")
            .map(|v| v.trim())
            .filter(|v| !v.contains([',', '*']))
    }

    /// Whether it names a local version like `+cpu` or `+cu121`.
    pub fn local_version(&self) -> Option<&str> {
        self.pinned_version()
            .and_then(|v| v.split_once('+'))
            .map(|(_, l)| l)
    }
}

/// Parses a requirement, or `None` for paths, URLs and options. A wheel
/// file (a path or URL) names its distribution and version in its file
/// name, and is read as `name==version`.
pub fn parse_requirement(raw: &str) -> Option<Requirement> {
    let s = raw.trim();
    if let Some(r) = wheel_requirement(s) {
        return Some(r);
    }
    let direct_reference = s
        .split_once('@')
        .is_some_and(|(n, _)| !n.contains("://") && !n.contains('/'));
    if s.is_empty()
        || s.starts_with('-')
        || s.starts_with('.')
        || s.starts_with('/')
        || (!direct_reference
            && (s.contains("://")
                || s.ends_with(".whl")
                || s.ends_with(".tar.gz")
                || s.ends_with(".zip")))
        || s.starts_with("git+")
    {
        return None;
    }
    let name_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    if name_len == 0 {
        return None;
    }
    let name = &s[..name_len];
    let mut rest = s[name_len..].trim_start();
    let mut extras = Vec::new();
    if let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        extras = inner[..end]
            .split(',')
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        rest = inner[end + 1..].trim_start();
    }
    if let Some(at) = rest.strip_prefix('@') {
        // `name @ url`: a direct reference.
        rest = at.trim();
    }
    Some(Requirement {
        name: name.to_string(),
        extras,
        spec: rest.to_string(),
        raw: s.to_string(),
    })
}

/// `name==version` from a wheel file name (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
/// PEP 427), given as a path or URL; `None` for anything else.
fn wheel_requirement(s: &str) -> Option<Requirement> {
    let path = s.split(['?', '#']).next().unwrap_or(s);
    let file = path.rsplit('/').next()?.strip_suffix(".whl")?;
    let file = file.replace("%2B", "+").replace("%2b", "+");
    let parts: Vec<&str> = file.split('-').collect();
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '!'))
    };
    if !(5..=6).contains(&parts.len()) || !parts.iter().all(|p| valid(p)) {
        return None;
    }
    Some(Requirement {
        name: parts[0].to_string(),
        extras: Vec::new(),
        spec: format!("=={}", parts[1]),
        raw: s.to_string(),
    })
}

impl Requirement {
    /// The environment marker (after `;`), if any.
    pub fn marker(&self) -> Option<&str> {
        self.spec.split_once(';').map(|(_, m)| m.trim())
    }

    /// Whether the requirement applies in a Linux x86_64 container: its
    /// marker, when it tests the platform, says so. Markers on other
    /// variables (Python version, extras) count as applying.
    pub fn applies_on_linux(&self) -> bool {
        self.marker()
            .is_none_or(|m| marker_on_linux(m) != Some(false))
    }
}

/// Evaluates a PEP 508 marker for Linux x86_64: `Some(bool)` for what
/// platform tests decide, `None` when other variables decide.
pub fn marker_on_linux(marker: &str) -> Option<bool> {
    let tokens = marker_tokens(marker);
    let mut pos = 0;
    let v = marker_or(&tokens, &mut pos);
    if pos == tokens.len() { v } else { None }
}

fn marker_tokens(m: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = m.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push(c.to_string());
            i += 1;
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|x| *x == c)
                .map_or(chars.len(), |p| i + 1 + p);
            out.push(format!("'{}", chars[i + 1..end].iter().collect::<String>()));
            i = end + 1;
        } else if "=!<>~".contains(c) {
            let start = i;
            while i < chars.len() && "=!<>~".contains(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()='\"!<>~".contains(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        }
    }
    out
}

fn marker_or(t: &[String], pos: &mut usize) -> Option<bool> {
    let mut v = marker_and(t, pos);
    while t.get(*pos).is_some_and(|x| x == "or") {
        *pos += 1;
        let r = marker_and(t, pos);
        v = match (v, r) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
    }
    v
}

fn marker_and(t: &[String], pos: &mut usize) -> Option<bool> {
    let mut v = marker_atom(t, pos);
    while t.get(*pos).is_some_and(|x| x == "and") {
        *pos += 1;
        let r = marker_atom(t, pos);
        v = match (v, r) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
    }
    v
}

fn marker_atom(t: &[String], pos: &mut usize) -> Option<bool> {
    if t.get(*pos).is_some_and(|x| x == "(") {
        *pos += 1;
        let v = marker_or(t, pos);
        if t.get(*pos).is_some_and(|x| x == ")") {
            *pos += 1;
        }
        return v;
    }
    let (Some(l), Some(op), Some(r)) = (t.get(*pos), t.get(*pos + 1), t.get(*pos + 2)) else {
        *pos = t.len() + 1;
        return None;
    };
    *pos += 3;
    let value = |x: &str| -> Option<String> {
        if let Some(lit) = x.strip_prefix('\'') {
            return Some(lit.to_string());
        }
        match x {
            "sys_platform" => Some("linux".into()),
            "platform_system" => Some("Linux".into()),
            "os_name" => Some("posix".into()),
            "platform_machine" => Some("x86_64".into()),
            _ => None,
        }
    };
    let (l, r) = (value(l)?, value(r)?);
    match op.as_str() {
        "==" | "===" => Some(l == r),
        "!=" => Some(l != r),
        "in" => Some(r.contains(&l)),
        _ => None,
    }
}

/// A pip requirements file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    /// Requirements with their 1-based line.
    pub requirements: Vec<(usize, Requirement)>,
    /// `-r` / `--requirement` includes.
    pub includes: Vec<String>,
    /// `-c` / `--constraint` files.
    pub constraints: Vec<String>,
    /// `--index-url` / `-i`.
    pub index_url: Option<String>,
    /// `--extra-index-url`.
    pub extra_index_urls: Vec<String>,
    /// `--find-links` / `-f`.
    pub find_links: Vec<String>,
    /// `--trusted-host`.
    pub trusted_hosts: Vec<String>,
}

/// Parses a requirements file's text.
pub fn parse_requirements_file(text: &str) -> RequirementsFile {
    let mut out = RequirementsFile::default();
    let mut logical = String::new();
    let mut start_line = 0;
    for (i, line) in text.lines().enumerate() {
        if logical.is_empty() {
            start_line = i + 1;
        }
        let line = line.trim_end();
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let full = std::mem::take(&mut logical);
        // A comment starts at `#` preceded by whitespace (or at the start).
        let content = match full
            .find(" #")
            .or_else(|| full.starts_with('#').then_some(0))
        {
            Some(p) => &full[..p],
            None => &full[..],
        };
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        let mut words = content.split_whitespace();
        let first = words.next().unwrap_or("");
        let value = |inline: Option<&str>, words: &mut std::str::SplitWhitespace<'_>| -> String {
            inline
                .map(str::to_string)
                .or_else(|| words.next().map(str::to_string))
                .unwrap_or_default()
        };
        let (opt, inline) = match first.split_once('=') {
            Some((o, v)) if o.starts_with('-') => (o, Some(v)),
            _ => (first, None),
        };
        match opt {
            "-r" | "--requirement" => out.includes.push(value(inline, &mut words)),
            "-c" | "--constraint" => out.constraints.push(value(inline, &mut words)),
            "-i" | "--index-url" => out.index_url = Some(value(inline, &mut words)),
            "--extra-index-url" => out.extra_index_urls.push(value(inline, &mut words)),
            "-f" | "--find-links" => out.find_links.push(value(inline, &mut words)),
            "--trusted-host" => out.trusted_hosts.push(value(inline, &mut words)),
            o if o.starts_with('-') => {}
            _ => {
                if let Some(r) = parse_requirement(content) {
                    out.requirements.push((start_line, r));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements() {
        let r = parse_requirement("uvicorn[standard]>=0.30; python_version > '3.8'").unwrap();
        assert_eq!(r.name, "uvicorn");
        assert_eq!(r.extras, ["standard"]);
        assert!(r.spec.starts_with(">=0.30"));
        assert_eq!(
            parse_requirement("torch==2.4.1+cpu")
                .unwrap()
                .local_version(),
            Some("cpu")
        );
        assert_eq!(
            parse_requirement("torch==2.4.1").unwrap().pinned_version(),
            Some("2.4.1")
        );
        assert!(parse_requirement("./wheels/x.whl").is_none());
        let w = parse_requirement(
            "flashinfer_python-0.2.2.post1+cu124torch2.6-cp38-abi3-linux_x86_64.whl",
        )
        .unwrap();
        assert_eq!(
            (w.name.as_str(), w.pinned_version()),
            ("flashinfer_python", Some("0.2.2.post1+cu124torch2.6"))
        );
        let w = parse_requirement(
            "https://download.pytorch.org/whl/cpu/torch-2.1.0%2Bcpu-cp310-cp310-linux_x86_64.whl",
        )
        .unwrap();
        assert_eq!((w.name.as_str(), w.local_version()), ("torch", Some("cpu")));
        assert!(parse_requirement("dist/*.whl").is_none());
        assert!(parse_requirement("git+https://github.com/a/b").is_none());
        assert_eq!(
            parse_requirement("pkg @ https://x/y.whl").unwrap().name,
            "pkg"
        );
    }

    #[test]
    fn platform_markers() {
        let on = |s: &str| parse_requirement(s).unwrap().applies_on_linux();
        assert!(on("torch>=2.7.0,<3.0; sys_platform != 'darwin'"));
        assert!(!on("torch>=2.7.0,<2.8.0; sys_platform == 'darwin'"));
        assert!(!on("pywin32; platform_system == \"Windows\""));
        assert!(on("numpy<2; python_version<='3.12'"));
        assert!(!on(
            "torch==2.7.1; sys_platform == 'linux' and platform_machine == 'aarch64'"
        ));
        assert!(on(
            "torch==2.7.1+cpu; sys_platform != 'linux' or platform_machine != 'aarch64'"
        ));
        assert!(on(
            "x; (sys_platform == 'linux' and platform_machine == 'x86_64') or sys_platform == 'win32'"
        ));
    }

    #[test]
    fn requirements_files() {
        let f = parse_requirements_file(
            "# deps\n--extra-index-url https://download.pytorch.org/whl/cpu\ntorch==2.4.1+cpu  # cpu build\n-r base.txt\nfastapi \\\n  >=0.110\n--trusted-host=example.com\n",
        );
        assert_eq!(f.extra_index_urls, ["https://download.pytorch.org/whl/cpu"]);
        assert_eq!(f.includes, ["base.txt"]);
        assert_eq!(f.trusted_hosts, ["example.com"]);
        let names: Vec<(usize, &str)> = f
            .requirements
            .iter()
            .map(|(l, r)| (*l, r.name.as_str()))
            .collect();
        assert_eq!(names, [(3, "torch"), (5, "fastapi")]);
    }
}
