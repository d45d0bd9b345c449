//! Pointing a project's torch at the PyTorch CPU wheel index, in the
//! project configuration each tool reads (uv's guide, Poetry's explicit
//! sources, PDM's `include_packages`), with toml_edit so the rest of
//! pyproject.toml keeps its formatting and comments.

use ballast_ml::torch::CPU_INDEX;
use ballast_shell::python::Tool;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

const NAME: &str = "pytorch-cpu";

/// pyproject.toml with the torch-family `packages` taken from the CPU
/// index for `tool`; `None` when the file does not parse or the tool keeps
/// its sources elsewhere.
pub(crate) fn pyproject_with_cpu_torch(
    text: &str,
    tool: Tool,
    packages: &[&str],
) -> Option<String> {
    let mut doc: DocumentMut = text.parse().ok()?;
    let tool_table = doc
        .entry("tool")
        .or_insert_with(implicit_table)
        .as_table_mut()?;
    tool_table.set_implicit(true);
    match tool {
        Tool::UvSync | Tool::UvPip => {
            let uv = tool_table
                .entry("uv")
                .or_insert_with(implicit_table)
                .as_table_mut()?;
            uv.set_implicit(true);
            push_source(uv, "index", |t| {
                t.insert("name", value(NAME));
                t.insert("url", value(CPU_INDEX));
                t.insert("explicit", value(true));
            })?;
            let sources = uv
                .entry("sources")
                .or_insert(Item::Table(Table::new()))
                .as_table_mut()?;
            for p in packages {
                let mut it = InlineTable::new();
                it.insert("index", NAME.into());
                sources.insert(p, value(it));
            }
        }
        Tool::Poetry => {
            let poetry = tool_table.get_mut("poetry")?.as_table_mut()?;
            push_source(poetry, "source", |t| {
                t.insert("name", value(NAME));
                t.insert("url", value(CPU_INDEX));
                t.insert("priority", value("explicit"));
            })?;
            let deps = poetry.get_mut("dependencies")?.as_table_like_mut()?;
            for p in packages {
                let item = deps.get_mut(p)?;
                let mut it = match item.as_value() {
                    Some(Value::String(v)) => {
                        let mut it = InlineTable::new();
                        it.insert("version", v.value().as_str().into());
                        it
                    }
                    Some(Value::InlineTable(t)) => t.clone(),
                    _ => return None,
                };
                it.insert("source", NAME.into());
                *item = value(it);
            }
        }
        Tool::Pdm => {
            let pdm = tool_table
                .entry("pdm")
                .or_insert_with(implicit_table)
                .as_table_mut()?;
            pdm.set_implicit(true);
            push_source(pdm, "source", |t| {
                t.insert("name", value(NAME));
                t.insert("url", value(CPU_INDEX));
                let mut include = Array::new();
                for p in packages {
                    include.push(*p);
                }
                t.insert("include_packages", value(include));
            })?;
        }
        _ => return None,
    }
    Some(doc.to_string())
}

fn implicit_table() -> Item {
    let mut t = Table::new();
    t.set_implicit(true);
    Item::Table(t)
}

/// Appends a table to the array of tables `key` (`[[tool.uv.index]]`),
/// unless one already names the CPU index.
fn push_source(parent: &mut Table, key: &str, fill: impl FnOnce(&mut Table)) -> Option<()> {
    let arr = parent
        .entry(key)
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()?;
    if !arr
        .iter()
        .any(|t| t.get("url").and_then(Item::as_str) == Some(CPU_INDEX))
    {
        let mut t = Table::new();
        fill(&mut t);
        arr.push(t);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_poetry_pdm() {
        let uv = "[project]\nname = \"x\"\ndependencies = [\"torch>=2.5\"]  # keep me\n";
        let out = pyproject_with_cpu_torch(uv, Tool::UvSync, &["torch"]).unwrap();
        assert!(out.starts_with(uv), "{out}");
        assert!(out.contains("[[tool.uv.index]]\nname = \"pytorch-cpu\"\nurl = \"https://download.pytorch.org/whl/cpu\"\nexplicit = true"), "{out}");
        assert!(
            out.contains("[tool.uv.sources]\ntorch = { index = \"pytorch-cpu\" }"),
            "{out}"
        );
        let doc: toml::Table = out.parse().unwrap();
        assert!(doc["tool"]["uv"]["sources"]["torch"]["index"].as_str() == Some(NAME));
        // Idempotent on the index.
        let again = pyproject_with_cpu_torch(&out, Tool::UvSync, &["torch"]).unwrap();
        assert_eq!(again.matches("[[tool.uv.index]]").count(), 1);

        let poetry = "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\ntorch = \"^2.5\"\n";
        let out = pyproject_with_cpu_torch(poetry, Tool::Poetry, &["torch"]).unwrap();
        assert!(
            out.contains("torch = { version = \"^2.5\", source = \"pytorch-cpu\" }"),
            "{out}"
        );
        assert!(
            out.contains("[[tool.poetry.source]]") && out.contains("priority = \"explicit\""),
            "{out}"
        );

        let pdm = "[project]\nname = \"x\"\ndependencies = [\"torch\"]\n";
        let out = pyproject_with_cpu_torch(pdm, Tool::Pdm, &["torch", "torchvision"]).unwrap();
        assert!(
            out.contains("[[tool.pdm.source]]")
                && out.contains("include_packages = [\"torch\", \"torchvision\"]"),
            "{out}"
        );
        assert!(pyproject_with_cpu_torch("not [toml", Tool::Pdm, &["torch"]).is_none());
    }
}
