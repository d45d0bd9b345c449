//! What installing a project brings: its dependencies as its manifest
//! declares them (`pyproject.toml` PEP 621 and poetry tables, PEP 735
//! groups, `setup.cfg`, a literal `install_requires` in `setup.py`, with the
//! extras and groups the install selects), where it takes torch from (uv
//! sources and indexes, poetry sources, `+cpu` pins), and conda
//! environment files. Requirements whose platform markers exclude Linux
//! x86_64 are left out.

use ballast_ml::torch::{TorchSource, source_of};
use ballast_shell::python::{Install, Tool};
use ballast_shell::requirements::{
    Requirement, RequirementsFile, parse_requirement, parse_requirements_file,
};

/// One dependency with the manifest line that declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub requirement: Requirement,
    /// Context path of the manifest.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

/// What installing a project brings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDeps {
    /// The manifest read (context path).
    pub manifest: String,
    pub deps: Vec<Dep>,
    /// Where the manifest takes torch from, and what says so.
    pub torch: Option<(TorchSource, String)>,
    /// The manifest picks torch's index per extra, group or platform: the
    /// variant depends on choices ballast does not resolve.
    pub torch_chosen_by_project: Option<String>,
}

/// Which optional parts of a project an install asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub extras: Vec<String>,
    pub all_extras: bool,
    /// Groups to add (`uv sync --group`, `poetry install --with`).
    pub groups: Vec<String>,
    /// Groups to leave out (`poetry install --without`).
    pub without: Vec<String>,
    /// Only these groups (`poetry install --only`, `uv sync --only-group`).
    pub only: Vec<String>,
    /// uv's default `dev` group is not installed (`--no-dev`).
    pub no_dev: bool,
    pub tool: Option<Tool>,
}

impl Selection {
    /// The selection an install makes: extras from `.[a,b]` (`local` is the
    /// path as written) and from its options.
    pub fn of(install: &Install, local: Option<&str>) -> Selection {
        let split = |v: &str| -> Vec<String> {
            v.split([',', ' '])
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect()
        };
        let mut extras: Vec<String> = local
            .and_then(|l| l.split_once('['))
            .map(|(_, e)| split(e.trim_end_matches(']')))
            .unwrap_or_default();
        extras.extend(
            install
                .values_of(&["--extra", "--extras", "-E"])
                .flat_map(split),
        );
        Selection {
            extras,
            all_extras: install.has_option(&["--all-extras"]),
            groups: install
                .values_of(&["--group", "--with"])
                .flat_map(split)
                .collect(),
            without: install
                .values_of(&["--without", "--no-group"])
                .flat_map(split)
                .collect(),
            only: install
                .values_of(&["--only", "--only-group"])
                .flat_map(split)
                .collect(),
            no_dev: install.has_option(&["--no-dev", "--only-dev"]),
            tool: Some(install.tool),
        }
    }

    fn wants_extra(&self, extra: &str) -> bool {
        self.all_extras || self.extras.iter().any(|e| e.eq_ignore_ascii_case(extra))
    }
}

/// The dependencies of the project in context directory `dir` (`""` is the
/// root): `pyproject.toml`, else `setup.cfg`, else `setup.py`. `read` reads
/// a context-relative file.
pub fn project_deps(
    dir: &str,
    sel: &Selection,
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<ProjectDeps> {
    let path = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", dir.trim_end_matches('/'))
        }
    };
    let mut out = ProjectDeps::default();
    if let Some(text) = read(&path("pyproject.toml"))
        && let Ok(doc) = text.parse::<toml::Table>()
    {
        out.manifest = path("pyproject.toml");
        pyproject(&doc, &text, &out.manifest.clone(), sel, &mut out);
        if !out.deps.is_empty() || doc.get("project").is_some() || poetry(&doc).is_some() {
            if out.deps.is_empty() {
                // A build-system-only pyproject: dependencies may live in setup.cfg/setup.py.
                legacy(dir, sel, read, &path, &mut out);
            }
            return Some(out);
        }
    }
    legacy(dir, sel, read, &path, &mut out);
    (!out.manifest.is_empty()).then_some(out)
}

/// The distribution name of the project in context directory `dir`: its
/// pyproject `[project] name` or `[tool.poetry] name`.
pub fn project_name(dir: &str, read: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = if dir.is_empty() {
        "pyproject.toml".to_string()
    } else {
        format!("{}/pyproject.toml", dir.trim_end_matches('/'))
    };
    let doc = read(&path)?.parse::<toml::Table>().ok()?;
    let name = doc
        .get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| poetry(&doc).and_then(|p| p.get("name")))?;
    name.as_str().map(str::to_string)
}

fn legacy(
    dir: &str,
    sel: &Selection,
    read: &dyn Fn(&str) -> Option<String>,
    path: &dyn Fn(&str) -> String,
    out: &mut ProjectDeps,
) {
    if let Some(text) = read(&path("setup.cfg")) {
        let deps = setup_cfg(&text, sel);
        if !deps.is_empty() {
            out.manifest = path("setup.cfg");
            out.deps = deps
                .into_iter()
                .map(|(line, requirement)| Dep {
                    requirement,
                    file: path("setup.cfg"),
                    line,
                })
                .collect();
            return;
        }
    }
    if let Some(text) = read(&path("setup.py")) {
        out.manifest = path("setup.py");
        out.deps = setup_py(&text, &path("setup.py"), dir, sel, read);
    }
}

fn poetry(doc: &toml::Table) -> Option<&toml::Table> {
    doc.get("tool")?.get("poetry")?.as_table()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |p| p + 1)
}

fn push_dep(out: &mut ProjectDeps, raw: &str, text: &str, file: &str) {
    if let Some(r) = parse_requirement(raw)
        && r.applies_on_linux()
    {
        out.deps.push(Dep {
            line: line_of(text, raw),
            requirement: r,
            file: file.to_string(),
        });
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

fn pyproject(doc: &toml::Table, text: &str, file: &str, sel: &Selection, out: &mut ProjectDeps) {
    if let Some(project) = doc.get("project") {
        for d in strings(project.get("dependencies")) {
            push_dep(out, d, text, file);
        }
        if let Some(opt) = project
            .get("optional-dependencies")
            .and_then(|o| o.as_table())
        {
            for (extra, list) in opt {
                if sel.wants_extra(extra) {
                    for d in strings(Some(list)) {
                        push_dep(out, d, text, file);
                    }
                }
            }
        }
    }
    // PEP 735 groups: uv sync installs `dev` unless told otherwise.
    if sel.tool == Some(Tool::UvSync)
        && let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table())
    {
        for (name, list) in groups {
            let wanted = if sel.only.is_empty() {
                (name == "dev" && !sel.no_dev) || sel.groups.contains(name)
            } else {
                sel.only.contains(name)
            };
            if wanted {
                for d in strings(Some(list)) {
                    push_dep(out, d, text, file);
                }
            }
        }
    }
    if let Some(p) = poetry(doc) {
        poetry_deps(p, text, file, sel, out);
    }
    out.torch = torch_source(doc, &out.deps);
    out.torch_chosen_by_project = torch_chosen(doc);
}

/// Poetry's main dependencies (optional ones only through extras) and groups.
fn poetry_deps(p: &toml::Table, text: &str, file: &str, sel: &Selection, out: &mut ProjectDeps) {
    let extras: Vec<String> = p
        .get("extras")
        .and_then(|e| e.as_table())
        .map(|t| {
            t.iter()
                .filter(|(name, _)| sel.wants_extra(name))
                .flat_map(|(_, v)| strings(Some(v)).into_iter().map(|s| s.to_ascii_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    let mut add_table = |deps: &toml::Table, main: bool| {
        for (name, spec) in deps {
            if name == "python" {
                continue;
            }
            let optional = spec.get("optional").and_then(|o| o.as_bool()) == Some(true);
            if main && optional && !extras.contains(&name.to_ascii_lowercase()) {
                continue;
            }
            let pkg_extras: Vec<&str> = strings(spec.get("extras"));
            let raw = if pkg_extras.is_empty() {
                name.clone()
            } else {
                format!("{name}[{}]", pkg_extras.join(","))
            };
            if let Some(r) = parse_requirement(&raw) {
                out.deps.push(Dep {
                    line: text
                        .lines()
                        .position(|l| {
                            let l = l.trim_start();
                            l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}="))
                        })
                        .map_or(1, |p| p + 1),
                    requirement: r,
                    file: file.to_string(),
                });
            }
        }
    };
    let main_wanted = sel.only.is_empty() || sel.only.iter().any(|g| g == "main");
    if main_wanted && let Some(deps) = p.get("dependencies").and_then(|d| d.as_table()) {
        add_table(deps, true);
    }
    if sel.tool == Some(Tool::Poetry)
        && let Some(groups) = p.get("group").and_then(|g| g.as_table())
    {
        for (name, g) in groups {
            let optional = g.get("optional").and_then(|o| o.as_bool()) == Some(true);
            let wanted = if sel.only.is_empty() {
                (!optional || sel.groups.contains(name)) && !sel.without.contains(name)
            } else {
                sel.only.contains(name)
            };
            if wanted && let Some(deps) = g.get("dependencies").and_then(|d| d.as_table()) {
                add_table(deps, false);
            }
        }
    }
}

/// The index a manifest sends torch to: a uv source naming one index, a
/// poetry source, or a `+cpu`/`+cuXXX` pin among the selected dependencies.
fn torch_source(doc: &toml::Table, deps: &[Dep]) -> Option<(TorchSource, String)> {
    if let Some(d) = deps.iter().find(|d| {
        ballast_ml::python::normalize_name(&d.requirement.name) == "torch"
            && d.requirement.local_version().is_some()
    }) {
        let v = d.requirement.pinned_version().unwrap_or("");
        return source_of(v).map(|s| (s, format!("`{}` in {}", d.requirement.raw, d.file)));
    }
    let tool = doc.get("tool");
    let uv_index = |name: &str| -> Option<String> {
        tool?
            .get("uv")?
            .get("index")?
            .as_array()?
            .iter()
            .find_map(|i| {
                (i.get("name")?.as_str()? == name)
                    .then(|| i.get("url")?.as_str().map(str::to_string))?
            })
    };
    if let Some(src) = tool.and_then(|t| t.get("uv")?.get("sources")?.get("torch"))
        && let Some(index) = src.get("index").and_then(|i| i.as_str())
    {
        let url = uv_index(index)?;
        return source_of(&url).map(|s| {
            (
                s,
                format!("the `{index}` index ({url}) in [tool.uv.sources]"),
            )
        });
    }
    let poetry_source =
        poetry(doc).and_then(|p| p.get("dependencies")?.get("torch")?.get("source")?.as_str());
    if let Some(name) = poetry_source
        && name != "pypi"
    {
        let url = poetry(doc)?
            .get("source")?
            .as_array()?
            .iter()
            .find_map(|s| {
                (s.get("name")?.as_str()? == name)
                    .then(|| s.get("url")?.as_str().map(str::to_string))?
            })?;
        return source_of(&url).map(|s| (s, format!("poetry source `{name}` ({url})")));
    }
    None
}

/// Whether the manifest chooses torch's index per extra, group or marker
/// (a list of uv sources, or conflicting extras pinning different local
/// versions).
fn torch_chosen(doc: &toml::Table) -> Option<String> {
    let src = doc.get("tool")?.get("uv")?.get("sources")?.get("torch")?;
    src.as_array()
        .filter(|a| a.len() > 1)
        .map(|_| "[tool.uv.sources] picks torch's index per extra or group".to_string())
}

/// `[options] install_requires` and the selected `[options.extras_require]`.
fn setup_cfg(text: &str, sel: &Selection) -> Vec<(usize, Requirement)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut key: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).to_string();
            key = None;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let value = if !line.starts_with([' ', '\t']) {
            let Some((k, v)) = trimmed.split_once('=') else {
                key = None;
                continue;
            };
            key = Some(k.trim().to_string());
            v.trim()
        } else {
            trimmed
        };
        let wanted = match (section.as_str(), key.as_deref()) {
            ("options", Some("install_requires")) => true,
            ("options.extras_require", Some(extra)) => sel.wants_extra(extra),
            _ => false,
        };
        if wanted
            && let Some(r) = parse_requirement(value)
            && r.applies_on_linux()
        {
            out.push((i + 1, r));
        }
    }
    out
}

/// `install_requires` (and the selected `extras_require`) of a setup.py:
/// literal lists, and names bound to lists or to requirement files read
/// with `open(...)`.
fn setup_py(
    text: &str,
    file: &str,
    dir: &str,
    sel: &Selection,
    read: &dyn Fn(&str) -> Option<String>,
) -> Vec<Dep> {
    let mut items: Vec<Item> = keyword_value(text, "install_requires")
        .map(|e| resolve_expr(text, &e, 0))
        .unwrap_or_default();
    if let Some(extras) = keyword_value(text, "extras_require") {
        for (name, expr) in dict_entries(&extras) {
            if sel.wants_extra(&name) {
                items.extend(resolve_expr(text, &expr, 0));
            }
        }
    }
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Literal(raw) => {
                if let Some(r) = parse_requirement(&raw)
                    && r.applies_on_linux()
                {
                    out.push(Dep {
                        line: line_of(text, &format!("\"{raw}\"")).max(line_of(text, &raw)),
                        requirement: r,
                        file: file.to_string(),
                    });
                }
            }
            Item::File(name) => {
                let path = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                if let Some(t) = read(&path) {
                    out.extend(
                        parse_requirements_file(&t)
                            .requirements
                            .into_iter()
                            .filter(|(_, r)| r.applies_on_linux())
                            .map(|(line, requirement)| Dep {
                                requirement,
                                file: path.clone(),
                                line,
                            }),
                    );
                }
            }
        }
    }
    out
}

enum Item {
    Literal(String),
    File(String),
}

/// The text of `name=<expr>` as a keyword argument, up to the end of the
/// expression (brackets balanced).
fn keyword_value(text: &str, name: &str) -> Option<String> {
    let start = text
        .find(&format!("{name}="))
        .or_else(|| text.find(&format!("{name} =")))?;
    let after = &text[start + name.len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    Some(balanced(after))
}

/// An expression up to its end: a `,` or `)` or newline at depth zero.
fn balanced(s: &str) -> String {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '(' | '{' => depth += 1,
                ']' | ')' | '}' if depth == 0 => return s[..i].to_string(),
                ']' | ')' | '}' => depth -= 1,
                ',' | '\n' if depth == 0 => return s[..i].to_string(),
                _ => {}
            },
        }
    }
    s.to_string()
}

/// `{"a": expr, "b": expr}` entries.
fn dict_entries(expr: &str) -> Vec<(String, String)> {
    let inner = expr.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    let mut rest = inner;
    while let Some(q) = rest.find(['"', '\'']) {
        let quote = rest[q..].chars().next().unwrap_or('"');
        let after = &rest[q + 1..];
        let Some(end) = after.find(quote) else { break };
        let key = after[..end].to_string();
        let Some(colon) = after[end..].find(':') else {
            break;
        };
        let value_start = &after[end + colon + 1..];
        let value = balanced(value_start.trim_start());
        rest = &value_start[value_start
            .find(&value)
            .map_or(value_start.len(), |p| p + value.len())..];
        out.push((key, value));
    }
    out
}

/// Resolves a setup.py expression into literal requirements and files.
fn resolve_expr(text: &str, expr: &str, depth: usize) -> Vec<Item> {
    let e = expr.trim();
    if depth > 8 {
        return Vec::new();
    }
    if e.starts_with('[') {
        return string_literals(e).into_iter().map(Item::Literal).collect();
    }
    if let Some(f) = opened_file(e) {
        return vec![Item::File(f)];
    }
    if e.contains('+') {
        return e
            .split('+')
            .flat_map(|part| resolve_expr(text, part, depth + 1))
            .collect();
    }
    let ident = e.trim_end_matches("()").trim();
    if ident.is_empty() || !ident.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Vec::new();
    }
    // The assignment `ident = ...` (or `with open(...) as f:` feeding it).
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim_start();
        let Some(rhs) = l
            .strip_prefix(ident)
            .and_then(|r| r.trim_start().strip_prefix('='))
            .filter(|r| !r.starts_with('='))
        else {
            continue;
        };
        let rhs = balanced(&format!("{}\n{}", rhs.trim(), lines[i + 1..].join("\n")));
        if rhs.contains(".read") && opened_file(&rhs).is_none() {
            // `x = f.readlines()` inside `with open("file") as f:`.
            if let Some(f) = lines[..i].iter().rev().take(3).find_map(|l| opened_file(l)) {
                return vec![Item::File(f)];
            }
        }
        return resolve_expr(text, &rhs, depth + 1);
    }
    Vec::new()
}

/// The `.txt` file an `open(...)` in the text reads.
fn opened_file(s: &str) -> Option<String> {
    let at = s.find("open(")?;
    string_literals(&s[at..])
        .into_iter()
        .find(|l| l.ends_with(".txt") || l.ends_with(".in"))
}

fn string_literals(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' || c == '\'' {
            let rest = &s[i + 1..];
            if let Some(end) = rest.find(c) {
                out.push(rest[..end].to_string());
                for _ in 0..=rest[..end].chars().count() {
                    chars.next();
                }
            }
        } else if c == '#' {
            // A comment runs to the end of its line.
            while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                chars.next();
            }
        }
    }
    out
}

/// The dependencies of a conda `environment.yml`: conda specs
/// (`numpy=1.26`, `conda-forge::pytorch`) and the `pip:` list, with lines.
/// A reader for the shape conda writes, not a YAML parser.
pub fn environment_yml(text: &str) -> RequirementsFile {
    let mut out = RequirementsFile::default();
    let mut in_deps = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if !line.starts_with([' ', '\t', '-']) && !trimmed.is_empty() {
            in_deps = trimmed.starts_with("dependencies:");
            continue;
        }
        let Some(item) = trimmed.strip_prefix("- ") else {
            continue;
        };
        let item = item
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if !in_deps || item.is_empty() || item.ends_with(':') {
            continue;
        }
        // `channel::name=version` and `name=version=build` are conda's forms.
        let spec = item.rsplit("::").next().unwrap_or(item);
        let spec = if spec.contains("==") || spec.contains(">=") || spec.contains('<') {
            spec.to_string()
        } else {
            spec.replacen('=', "==", 1)
        };
        let spec: String = spec.split('=').take(3).collect::<Vec<_>>().join("=");
        if let Some(r) = parse_requirement(&spec) {
            out.requirements.push((i + 1, r));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &ProjectDeps) -> Vec<String> {
        p.deps.iter().map(|d| d.requirement.name.clone()).collect()
    }

    fn read_from(
        files: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |p: &str| {
            files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(_, t)| t.to_string())
        }
    }

    #[test]
    fn pep621_with_extras_and_markers() {
        let read = read_from(&[(
            "app/pyproject.toml",
            "[project]\nname='x'\ndependencies=['fastapi>=0.1', 'pywin32; sys_platform == \"win32\"']\n[project.optional-dependencies]\ncore=['torch==2.4.1+cpu']\ndev=['pytest']\n",
        )]);
        let sel = Selection {
            extras: vec!["core".into()],
            ..Selection::default()
        };
        let p = project_deps("app", &sel, &read).unwrap();
        assert_eq!(names(&p), ["fastapi", "torch"]);
        assert_eq!(p.deps[0].line, 3);
        assert_eq!(p.torch.map(|t| t.0), Some(TorchSource::Cpu));
    }

    #[test]
    fn poetry_main_groups_and_extras() {
        let read = read_from(&[(
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython='^3.10'\nnumpy='*'\ntorch={version='>=2', source='pypi', optional=true}\n[tool.poetry.extras]\nall=['torch']\n[tool.poetry.group.test.dependencies]\npytest='*'\n[[tool.poetry.source]]\nname='pytorch_cpu'\nurl='https://download.pytorch.org/whl/cpu'\npriority='explicit'\n",
        )]);
        let sel = Selection {
            tool: Some(Tool::Poetry),
            without: vec!["test".into()],
            ..Selection::default()
        };
        assert_eq!(names(&project_deps("", &sel, &read).unwrap()), ["numpy"]);
        let sel = Selection {
            tool: Some(Tool::Poetry),
            extras: vec!["all".into()],
            ..Selection::default()
        };
        let p = project_deps("", &sel, &read).unwrap();
        assert_eq!(names(&p), ["numpy", "torch", "pytest"]);
        assert_eq!(p.torch, None, "torch pinned to pypi: the default build");
    }

    #[test]
    fn setup_py_literals_and_files() {
        let read = read_from(&[
            (
                "setup.py",
                "from setuptools import setup\ncwd = '.'\nrequirements = open(os.path.join(cwd, \"requirements.txt\"), \"r\").readlines()\nwith open(os.path.join(cwd, \"requirements.dev.txt\"), \"r\") as f:\n    requirements_dev = f.readlines()\nrequirements_all = requirements_dev + []\nsetup(\n    name='tts',\n    install_requires=requirements,\n    extras_require={\n        \"all\": requirements_all,\n        \"dev\": requirements_dev,\n    },\n)\n",
            ),
            ("requirements.txt", "numpy\ntorch>=2.1\n"),
            ("requirements.dev.txt", "black\n"),
        ]);
        let sel = Selection {
            extras: vec!["all".into()],
            ..Selection::default()
        };
        let p = project_deps("", &sel, &read).unwrap();
        assert_eq!(names(&p), ["numpy", "torch", "black"]);
        assert_eq!(p.deps[1].file, "requirements.txt");
        let read = read_from(&[(
            "setup.py",
            "setup(\n    name='verba',\n    install_requires=[\n        \"weaviate-client==4.9.6\",\n        \"fastapi==0.111.1\",\n    ],\n    extras_require={\"huggingface\": [\"sentence-transformers==3.0.1\"]},\n)\n",
        )]);
        let p = project_deps("", &Selection::default(), &read).unwrap();
        assert_eq!(names(&p), ["weaviate-client", "fastapi"]);
        assert_eq!(p.deps[1].line, 5);
    }

    #[test]
    fn setup_cfg_and_uv_sources() {
        let read = read_from(&[
            (
                "pyproject.toml",
                "[build-system]\nrequires=['setuptools']\n",
            ),
            (
                "setup.cfg",
                "[metadata]\nname = x\n[options]\ninstall_requires =\n    numpy\n    scipy>=1\n[options.extras_require]\nall =\n    torch\n",
            ),
        ]);
        let p = project_deps("", &Selection::default(), &read).unwrap();
        assert_eq!(names(&p), ["numpy", "scipy"]);
        assert_eq!(p.manifest, "setup.cfg");
        let read = read_from(&[(
            "pyproject.toml",
            "[project]\nname='x'\ndependencies=['torch']\n[tool.uv.sources]\ntorch={index='pytorch-cpu'}\n[[tool.uv.index]]\nname='pytorch-cpu'\nurl='https://download.pytorch.org/whl/cpu'\nexplicit=true\n",
        )]);
        let p = project_deps("", &Selection::default(), &read).unwrap();
        assert_eq!(p.torch.map(|t| t.0), Some(TorchSource::Cpu));
        let read = read_from(&[(
            "pyproject.toml",
            "[project]\nname='x'\ndependencies=['torch']\n[tool.uv.sources]\ntorch=[{index='cpu', group='cpu'},{index='cu', group='cu'}]\n",
        )]);
        assert!(
            project_deps("", &Selection::default(), &read)
                .unwrap()
                .torch_chosen_by_project
                .is_some()
        );
    }
}
