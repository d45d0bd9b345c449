//! `ballast explore IMAGE`: the terminal explorer. The image opens as soon
//! as its tar headers are read (digests not checked); the verification runs
//! in the background and its result shows in the status line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use ballast_image::explore::Explorer;
use ballast_image::layer::Progress;
use ballast_image::{Capture, LoadOptions};
use ballast_report::bytes::format_bytes;
use ballast_report::explore::{App, Extract, run};
use clap::Args;

use crate::exit;
use crate::inputs::images::{Bar, ImageArgs};

#[derive(Args, Debug)]
pub(crate) struct ExploreArgs {
    /// The image, as `ballast inspect` takes it (standard input excepted).
    pub image: String,
    /// Where `x` writes extracted files.
    #[arg(long, value_name = "DIR", default_value = "ballast-extract")]
    pub extract_to: PathBuf,
    #[command(flatten)]
    pub image_args: ImageArgs,
}

pub(crate) fn run_explore(args: ExploreArgs) -> Result<u8> {
    if args.image == "-" {
        bail!(
            "explore reads an image it can read again (a file, a directory, a registry or the daemon), not standard input"
        );
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("explore needs a terminal; `ballast inspect` prints the same figures");
    }
    let image = {
        let progress = Bar::new("reading headers of", &args.image, args.image_args.quiet);
        let opts = LoadOptions {
            verify: false,
            progress: &progress,
            ..args.image_args.load_options()?
        };
        let image = ballast_image::load(&args.image, &opts);
        progress.0.finish_and_clear();
        image?
    };
    let ex = Explorer::new(&image);
    drop(image);
    let news = (!args.image_args.no_verify).then(|| verify_in_background(&args));
    let extract = extractor(
        args.image.clone(),
        args.image_args.load_options()?,
        args.extract_to,
    );
    let mut app = App::new(ex, args.image.clone(), extract);
    app.status = if news.is_some() {
        "verifying digests…".into()
    } else {
        "digests not verified (--no-verify)".into()
    };
    run(app, news)?;
    Ok(exit::OK)
}

/// Tells the status line how many bytes the verification has read, at
/// most every quarter second.
struct Verifying {
    tx: mpsc::Sender<String>,
    read: AtomicU64,
    last: Mutex<Instant>,
}

impl Progress for Verifying {
    fn add(&self, bytes: u64) {
        let read = self.read.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let mut last = self.last.lock().expect("progress");
        if last.elapsed() >= Duration::from_millis(250) {
            *last = Instant::now();
            let line = format!("verifying digests: {} read…", format_bytes(read));
            let _ = self.tx.send(line);
        }
    }
}

/// Reads the image again, checking every digest; says how it goes.
fn verify_in_background(args: &ExploreArgs) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let reference = args.image.clone();
    let opts = args.image_args.load_options();
    std::thread::spawn(move || {
        let progress = Verifying {
            tx: tx.clone(),
            read: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
        };
        let verified = opts.map_err(|e| e.to_string()).and_then(|o| {
            let o = LoadOptions {
                progress: &progress,
                ..o
            };
            ballast_image::load(&reference, &o).map_err(|e| e.to_string())
        });
        let line = match verified {
            Ok(_) => "digests verified ✓".to_string(),
            Err(e) => format!("VERIFICATION FAILED: {e}"),
        };
        let _ = tx.send(line);
    });
    rx
}

/// `x`: reads the image again capturing that one path and writes the
/// version the selected layer shows (the last layer up to it that has it).
fn extractor(reference: String, opts: LoadOptions<'static>, dir: PathBuf) -> Extract {
    Box::new(move |layer, path| {
        let wanted = path.as_bytes().to_vec();
        let capture = move |p: &[u8], _size: u64| {
            if p == wanted.as_slice() {
                Capture::Whole
            } else {
                Capture::Skip
            }
        };
        let mut limits = opts.limits;
        limits.max_captured_file_bytes = limits.max_uncompressed_bytes;
        let load = LoadOptions {
            verify: false,
            capture: &capture,
            limits,
            platform: opts.platform.clone(),
            remote: opts.remote.clone(),
            ..LoadOptions::default()
        };
        let image = ballast_image::load(&reference, &load).map_err(|e| e.to_string())?;
        let bytes = image.layers[..=layer]
            .iter()
            .rev()
            .find_map(|l| l.scan.entries.last_file(path.as_bytes()))
            .flatten()
            .map(|c| c.bytes())
            .ok_or_else(|| format!("{path}: no file in layers 0 to {layer}"))?;
        let dest = dir.join(path);
        write_new(&dest, &bytes)?;
        Ok(format!(
            "/{path}\n{} bytes written to {}",
            bytes.len(),
            dest.display()
        ))
    })
}

/// Writes a file atomically, keeping any file already there.
fn write_new(dest: &Path, bytes: &[u8]) -> Result<(), String> {
    if dest.exists() {
        return Err(format!("{} exists: not overwritten", dest.display()));
    }
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| e.to_string())?;
    tmp.persist_noclobber(dest)
        .map_err(|e| format!("{}: {}", dest.display(), e.error))?;
    Ok(())
}
