//! `ballast-mkimage`: builds an image from directories, without a container
//! engine. Used by the benchmarks (an ML image from real wheels) and handy
//! for trying ballast out.
//!
//!     ballast-mkimage OUT [--format oci|oci-archive|docker-archive|docker-archive-oci]
//!         [--compression gzip|zstd|none]
//!         [--layer 'CREATED_BY=DIR[:PREFIX]']...      all of DIR, placed under PREFIX
//!         [--delete 'CREATED_BY=PATH[,PATH...]']...   a layer of whiteouts
//!         [--env K=V]... [--user U] [--tag NAME:TAG]
//!
//! Layers are written in the order given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ballast_testkit::image::{Compression, Content, Entry, Format, ImageSpec, Layer};

fn walk(root: &Path, prefix: &str, out: &mut Vec<Entry>) -> std::io::Result<()> {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut names: Vec<_> =
            std::fs::read_dir(root.join(&rel))?.collect::<Result<Vec<_>, _>>()?;
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let r = rel.join(e.file_name());
            let image_path = Path::new(prefix)
                .join(&r)
                .to_string_lossy()
                .trim_start_matches('/')
                .to_string();
            let ft = e.file_type()?;
            if ft.is_symlink() {
                let target = std::fs::read_link(e.path())?;
                out.push(Entry::Symlink(
                    image_path,
                    target.to_string_lossy().into_owned(),
                ));
            } else if ft.is_dir() {
                out.push(Entry::Dir(image_path));
                stack.push(r);
            } else if ft.is_file() {
                out.push(Entry::File(image_path, Content::File(e.path())));
            }
        }
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: ballast-mkimage OUT [options] (see the source for options)")?;
    let mut format = Format::DockerArchive;
    let mut compression = Compression::Gzip;
    let mut spec = ImageSpec::new(Vec::new());
    spec.env.clear();
    let mut pending: Vec<(String, String, bool)> = Vec::new();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--format" => {
                format = match value()?.as_str() {
                    "oci" => Format::OciLayout,
                    "oci-archive" => Format::OciArchive,
                    "docker-archive" => Format::DockerArchive,
                    "docker-archive-oci" => Format::DockerArchiveOci,
                    other => return Err(format!("unknown format {other}")),
                }
            }
            "--compression" => {
                compression = match value()?.as_str() {
                    "gzip" => Compression::Gzip,
                    "zstd" => Compression::Zstd,
                    "none" => Compression::None,
                    other => return Err(format!("unknown compression {other}")),
                }
            }
            "--layer" => {
                let v = value()?;
                let (by, dir) = v
                    .rsplit_once('=')
                    .ok_or("--layer wants CREATED_BY=DIR[:PREFIX]")?;
                pending.push((by.to_string(), dir.to_string(), false));
            }
            "--delete" => {
                let v = value()?;
                let (by, paths) = v
                    .rsplit_once('=')
                    .ok_or("--delete wants CREATED_BY=PATH[,PATH]")?;
                pending.push((by.to_string(), paths.to_string(), true));
            }
            "--env" => spec.env.push(value()?),
            "--user" => spec.user = Some(value()?),
            "--tag" => spec.tag = value()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    for (by, what, delete) in pending {
        let mut entries = Vec::new();
        if delete {
            entries.extend(
                what.split(',')
                    .map(|p| Entry::Whiteout(p.trim_matches('/').to_string())),
            );
        } else {
            let (dir, prefix) = what.split_once(':').unwrap_or((&what, ""));
            walk(Path::new(dir), prefix, &mut entries).map_err(|e| format!("{dir}: {e}"))?;
        }
        spec.layers.push(Layer {
            entries,
            compression,
            created_by: by,
        });
    }
    if spec.layers.is_empty() {
        return Err("no layers: give at least one --layer".into());
    }
    let written = spec
        .write(format, Path::new(&out))
        .map_err(|e| format!("{out}: {e}"))?;
    println!(
        "{}: {} layers, config {}",
        out,
        written.diff_ids.len(),
        written.config_digest
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ballast-mkimage: {e}");
            ExitCode::from(2)
        }
    }
}
