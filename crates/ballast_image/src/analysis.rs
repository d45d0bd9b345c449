//! From a loaded image to its [`Report`]: layer figures, totals, the base
//! image boundary, dive's figures and the ML breakdown.

use crate::dive::dive_figures;
use crate::entries::{Entries, KindRef};
use crate::inspection::{
    ClassBytes, DiveCompat, ImageInfo, LayerReport, Report, SCHEMA_VERSION, Totals,
};
use crate::ml;
use crate::source::LoadedImage;
use crate::spec::History;
use crate::tree::FileTree;

/// How to analyse.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// The diff_ids of a known base image (`--base`): the longest common
    /// prefix of layers is the base.
    pub base_diff_ids: Option<Vec<String>>,
}

/// The metadata-only instructions that end a typical base image.
fn is_base_terminator(created_by: &str) -> bool {
    let s = created_by.trim();
    let s = s
        .strip_prefix("/bin/sh -c #(nop)")
        .map(str::trim)
        .unwrap_or(s);
    s.starts_with("CMD") || s.starts_with("ENTRYPOINT")
}

/// Number of bottom layers that belong to the base image, from history: the
/// base ends at the last CMD/ENTRYPOINT entry that is followed by more
/// entries (official images end with one, and the build's own entries follow).
pub fn base_layers_from_history(history: &[History]) -> Option<usize> {
    let last = history.len().checked_sub(1)?;
    let boundary = (0..last).rev().find(|&i| {
        history[i].empty_layer
            && history[i]
                .created_by
                .as_deref()
                .is_some_and(is_base_terminator)
    })?;
    Some(
        history[..=boundary]
            .iter()
            .filter(|h| !h.empty_layer)
            .count(),
    )
}

/// The regular-file bytes a layer stores in package caches and lists. A
/// cached file that a path outside the caches hard-links (uv's default
/// install) is not the cache's: dropping the cache would not free it.
fn cache_bytes(entries: &Entries) -> Vec<ClassBytes> {
    let class_of = |path: &[u8]| ballast_ml::paths::cache_class(&String::from_utf8_lossy(path));
    let mut shared: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    entries.for_each(|e| {
        if let KindRef::Hardlink(target) = e.kind
            && class_of(e.path).is_none()
        {
            shared.insert(target);
        }
    });
    let mut out: Vec<ClassBytes> = Vec::new();
    entries.for_each(|e| {
        let KindRef::File(size) = e.kind else {
            return;
        };
        if shared.contains(e.path) {
            return;
        }
        let Some(class) = class_of(e.path) else {
            return;
        };
        match out.iter_mut().find(|c| c.class == class) {
            Some(c) => c.bytes += size,
            None => out.push(ClassBytes { class, bytes: size }),
        }
    });
    out
}

/// Analyses a loaded image.
pub fn analyze(image: LoadedImage, opts: &AnalyzeOptions) -> Report {
    analyze_with_files(image, opts, false).0
}

/// Analyses a loaded image and, when asked, also returns the final files
/// (path, bytes) for comparisons.
pub fn analyze_with_files(
    image: LoadedImage,
    opts: &AnalyzeOptions,
    keep_files: bool,
) -> (Report, Vec<(String, u64)>) {
    let mut warnings = Vec::new();
    let dive = dive_figures(image.layers.iter().map(|l| &l.scan.entries));
    let layer_history = image.config.layer_history();
    if !image.config.history.is_empty() && layer_history.len() != image.layers.len() {
        warnings.push(format!(
            "the history lists {} layer entries for {} layers: created_by is not shown",
            layer_history.len(),
            image.layers.len()
        ));
    }
    let created_by = image.config.created_by(image.layers.len());
    let (base_layers, base_source) = base_boundary(&image, opts, &mut warnings);
    let LoadedImage {
        reference,
        format,
        manifest_digest,
        config_digest,
        config,
        layers,
    } = image;
    let (tree, stacked) = stack_layers(layers, &mut warnings);
    let bytes = tree.layer_bytes();
    let layers: Vec<LayerReport> = stacked
        .into_iter()
        .zip(&bytes)
        .enumerate()
        .map(|(index, (layer, b))| {
            let created_by = created_by.as_ref().and_then(|c| c[index].clone());
            layer.report(index, b, created_by, index < base_layers)
        })
        .collect();
    for h in &tree.dangling_hardlinks {
        warnings.push(format!(
            "hard link {h} points at a file that does not exist; counted as empty"
        ));
    }
    let files = if keep_files {
        let mut files = Vec::with_capacity(tree.file_count());
        tree.for_each_file(|f| files.push((f.path.to_string(), f.size)));
        files
    } else {
        Vec::new()
    };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        image: ImageInfo::of(reference, format, (manifest_digest, config_digest), &config),
        layers,
        dive_compat: DiveCompat {
            efficiency: dive.efficiency,
            wasted_bytes: dive.wasted_bytes,
            user_wasted_percent: dive.user_wasted_percent,
            image_size: dive.image_size,
            user_size: dive.user_size,
        },
        warnings,
        ..Report::default()
    };
    let file_count = ml::breakdown(&tree, &config, &mut report);
    let base = (base_layers, base_source);
    report.totals = totals(&tree, &report.layers, file_count, base);
    (report, files)
}

/// How many bottom layers are the base image's, and what said so.
fn base_boundary(
    image: &LoadedImage,
    opts: &AnalyzeOptions,
    warnings: &mut Vec<String>,
) -> (usize, &'static str) {
    match &opts.base_diff_ids {
        Some(base) => {
            let n = base
                .iter()
                .zip(image.layers.iter())
                .take_while(|(b, l)| l.diff_id.as_deref() == Some(b.as_str()))
                .count();
            if n < base.len() {
                warnings.push(format!(
                    "the image shares only {n} of the base image's {} layers",
                    base.len()
                ));
            }
            (n, "--base")
        }
        None => match base_layers_from_history(&image.config.history) {
            Some(n) if n < image.layers.len() || image.layers.is_empty() => (n, "history"),
            _ => (0, "none"),
        },
    }
}

/// What the report keeps of a layer once its entries are in the tree.
struct StackedLayer {
    digest: Option<String>,
    diff_id: Option<String>,
    media_type: Option<String>,
    compression: crate::layer::Compression,
    tar_bytes: u64,
    compressed_bytes: u64,
    cache_bytes: Vec<ClassBytes>,
}

impl StackedLayer {
    fn report(
        self,
        index: usize,
        b: &crate::tree::LayerBytes,
        created_by: Option<String>,
        base: bool,
    ) -> LayerReport {
        LayerReport {
            index,
            diff_id: self.diff_id,
            digest: self.digest,
            media_type: self.media_type,
            compression: format!("{:?}", self.compression).to_lowercase(),
            tar_bytes: self.tar_bytes,
            file_bytes: b.stored,
            compressed_bytes: self.compressed_bytes,
            files: b.files,
            created_by,
            visible_bytes: b.visible,
            wasted_bytes: b.wasted(),
            deleted_below_bytes: b.deleted_below,
            cache_bytes: self.cache_bytes,
            base,
        }
    }
}

/// Applies the layers in order, each layer's entries dropped once applied.
fn stack_layers(
    layers: Vec<crate::source::LoadedLayer>,
    warnings: &mut Vec<String>,
) -> (FileTree, Vec<StackedLayer>) {
    let mut tree = FileTree::new();
    tree.reserve(layers.iter().map(|l| l.scan.entries.len()).sum());
    let mut stacked = Vec::with_capacity(layers.len());
    let mut unsupported = Vec::new();
    for (index, layer) in layers.into_iter().enumerate() {
        if let Some(w) = unsupported_types(index, &layer.scan.entries) {
            unsupported.push(w);
        }
        stacked.push(StackedLayer {
            digest: layer.digest,
            diff_id: layer.diff_id,
            media_type: layer.media_type,
            compression: layer.scan.compression,
            tar_bytes: layer.scan.tar_bytes,
            compressed_bytes: layer.scan.compressed_bytes,
            cache_bytes: cache_bytes(&layer.scan.entries),
        });
        tree.apply(layer.scan.entries);
    }
    tree.shrink_to_fit();
    warnings.extend(unsupported);
    (tree, stacked)
}

/// The warning for members of tar types that engines do not unpack.
fn unsupported_types(index: usize, entries: &Entries) -> Option<String> {
    let mut types: Vec<u8> = Vec::new();
    entries.for_each(|e| {
        if let KindRef::Unsupported(t) = e.kind {
            types.push(t);
        }
    });
    if types.is_empty() {
        return None;
    }
    let n = types.len();
    types.sort_unstable();
    types.dedup();
    let shown: Vec<String> = types
        .iter()
        .map(|&t| format!("{:?}", char::from(t)))
        .collect();
    Some(format!(
        "layer {index}: {n} member(s) of tar type {} that Docker does not unpack; not counted",
        shown.join(", ")
    ))
}

/// The image's totals: stored against final bytes, base against yours.
fn totals(
    tree: &FileTree,
    layers: &[LayerReport],
    files: u64,
    (base_layers, base_source): (usize, &str),
) -> Totals {
    let stored: u64 = layers.iter().map(|l| l.file_bytes).sum();
    let final_bytes = tree.final_bytes();
    let (base_bytes, your_bytes, your_wasted) = layers.iter().fold((0, 0, 0), |(b, y, w), l| {
        if l.base {
            (b + l.visible_bytes, y, w)
        } else {
            (b, y + l.visible_bytes, w + l.wasted_bytes)
        }
    });
    Totals {
        final_bytes,
        stored_bytes: stored,
        tar_bytes: layers.iter().map(|l| l.tar_bytes).sum(),
        compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
        wasted_bytes: stored - final_bytes,
        efficiency: if stored == 0 {
            1.0
        } else {
            final_bytes as f64 / stored as f64
        },
        files,
        layers: layers.len(),
        base_layers,
        base_source: base_source.to_string(),
        base_bytes,
        your_bytes,
        your_wasted_bytes: your_wasted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Entry, EntryKind};

    fn entry(path: &str, kind: EntryKind) -> Entry {
        Entry::new(path, kind)
    }

    #[test]
    fn a_cache_file_the_environment_hard_links_is_not_the_caches() {
        let pip = "root/.cache/pip/http-v2/a";
        let uv = "root/.cache/uv/archive-v0/x/numpy/core.so";
        let got = cache_bytes(&Entries::from(vec![
            entry(pip, EntryKind::File(700)),
            entry(uv, EntryKind::File(5_000)),
            entry("root/.cache/uv/archive-v0/x/METADATA", EntryKind::File(40)),
            entry(
                "venv/lib/python3.11/site-packages/numpy/core.so",
                EntryKind::Hardlink(uv.as_bytes().into()),
            ),
            entry("var/lib/apt/lists/x_Packages", EntryKind::File(900)),
        ]));
        let of = |class| got.iter().find(|c| c.class == class).map(|c| c.bytes);
        use ballast_ml::paths::Class;
        assert_eq!(of(Class::PipCache), Some(700));
        assert_eq!(of(Class::UvCache), Some(40));
        assert_eq!(of(Class::Apt), Some(900));
    }

    fn h(created_by: &str, empty: bool) -> History {
        History {
            created_by: Some(created_by.into()),
            empty_layer: empty,
            ..Default::default()
        }
    }

    #[test]
    fn base_boundary_from_history() {
        let hist = vec![
            h("/bin/sh -c #(nop) ADD file:abc in /", false),
            h("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            h("ENV PATH=/usr/local/bin:$PATH", true),
            h("RUN /bin/sh -c apt-get update", false),
            h("CMD [\"python3\"]", true),
            h("WORKDIR /app", true),
            h("COPY . . # buildkit", false),
            h(
                "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
                false,
            ),
            h("CMD [\"uvicorn\"]", true),
        ];
        assert_eq!(base_layers_from_history(&hist), Some(2));
        assert_eq!(base_layers_from_history(&hist[..2]), None);
    }
}
