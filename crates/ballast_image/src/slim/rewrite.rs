//! A layer's tar stream copied without the entries the plan drops. Kept
//! entries are copied as the source has them: the bytes of their extension
//! records and header are recorded while the tar reader reads them, then
//! their contents are streamed through. Only two kinds of entries get a
//! header made here: a materialised hard link (a regular file with its
//! target's metadata and bytes), and a directory the layer created only
//! through entries it drops (as an extractor makes a missing parent).

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use super::plan::LayerPlan;
use crate::error::{ImageError, Result};
use crate::layer::{Capture, Entry, NoProgress, ScanOptions, convert_entry};
use crate::limits::Limits;

/// What the tap under the tar reader does with the bytes read.
#[derive(Default)]
struct TapState {
    recording: bool,
    recorded: Vec<u8>,
}

/// Passes reads through, keeping a copy while recording.
struct Tap<R> {
    inner: R,
    state: Arc<Mutex<TapState>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.state.lock().expect("tap state");
        if state.recording {
            state.recorded.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

const BLOCK: u64 = 512;

fn padding(size: u64) -> usize {
    ((BLOCK - size % BLOCK) % BLOCK) as usize
}

/// What happens to one tar record.
enum Step {
    /// Copied as it is.
    Keep,
    /// Left out.
    Drop,
    /// Left out, its contents kept for the link that becomes the file.
    Save,
    /// A hard link written as a regular file with its target's bytes.
    Materialise(usize),
    /// A hard link pointing at the path that now holds its group's bytes.
    Relink(Box<[u8]>),
}

/// Copies the tar stream `tar` to `out` as `plan` says; `entries` are the
/// layer's entries as its scan listed them. Returns `out`, without the two
/// zero blocks that end an archive (the caller writes them, after one layer
/// or after several joined).
pub(crate) fn rewrite<R: Read, W: Write>(
    name: &str,
    tar: R,
    entries: &[Entry],
    plan: &LayerPlan,
    limits: &Limits,
    mut out: W,
) -> Result<W> {
    let err = |e: io::Error| ImageError::layer(name, format!("cannot rewrite: {e}"));
    let state = Arc::new(Mutex::new(TapState::default()));
    let mut archive = tar::Archive::new(Tap {
        inner: tar,
        state: state.clone(),
    });
    let never = |_: &[u8], _: u64| Capture::Skip;
    let total = AtomicU64::new(0);
    let scan = ScanOptions {
        verify: false,
        limits: *limits,
        capture: &never,
        progress: &NoProgress,
        uncompressed_total: &total,
    };
    let steps = Steps::new(entries, plan);
    let mut add_dirs = plan.add_dirs.iter().peekable();
    let mut saved: HashMap<usize, (tempfile::NamedTempFile, tar::Header)> = HashMap::new();
    let (mut index, mut pad_before) = (0usize, 0usize);
    let mut iter = archive.entries().map_err(err)?;
    loop {
        set_recording(&state, true);
        let Some(entry) = iter.next() else { break };
        let mut entry = entry.map_err(err)?;
        set_recording(&state, false);
        let recorded = std::mem::take(&mut state.lock().expect("tap state").recorded);
        // The record starts after the previous entry's padding.
        let raw = &recorded[pad_before.min(recorded.len())..];
        if entry.header().entry_type() == tar::EntryType::GNUSparse {
            return Err(ImageError::layer(name, "sparse files cannot be slimmed"));
        }
        let size = entry.size();
        pad_before = padding(size);
        let step = match convert_entry(name, &mut entry, &scan)? {
            None => Step::Keep, // the root directory, global extension records
            Some(_) => {
                index += 1;
                while let Some((_, dir)) = add_dirs.next_if(|&&(at, _)| at == index - 1) {
                    write_dir(&mut out, dir, entry.header()).map_err(err)?;
                }
                steps.of(index - 1)
            }
        };
        match step {
            Step::Keep => {
                out.write_all(raw).map_err(err)?;
                let copied = io::copy(&mut entry, &mut out).map_err(err)?;
                out.write_all(&[0; BLOCK as usize][..padding(copied)])
                    .map_err(err)?;
            }
            Step::Drop => crate::tarstep::drain(&mut entry).map_err(err)?,
            Step::Save => {
                refuse_extended(name, &mut entry)?;
                let mut file = tempfile::NamedTempFile::new().map_err(err)?;
                io::copy(&mut entry, &mut file).map_err(err)?;
                saved.insert(index - 1, (file, entry.header().clone()));
            }
            Step::Materialise(target) => {
                let (file, header) = saved
                    .get_mut(&target)
                    .expect("the target precedes its link");
                let path = entry.path_bytes().into_owned();
                write_file(&mut out, &path, header, file.as_file_mut()).map_err(err)?;
            }
            Step::Relink(holder) => {
                let path = entry.path_bytes().into_owned();
                write_link(&mut out, &path, entry.header(), &holder).map_err(err)?;
            }
        }
    }
    Ok(out)
}

/// A materialised link gets a header made from its target's: refused when
/// the target's PAX records say more than that header can (extended
/// attributes, sub-second times, large ids), so nothing is lost.
fn refuse_extended<R: Read>(name: &str, entry: &mut tar::Entry<'_, R>) -> Result<()> {
    let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let Ok(Some(records)) = entry.pax_extensions() else {
        return Ok(());
    };
    for record in records.flatten() {
        let key = record.key().unwrap_or("");
        if !matches!(key, "path" | "linkpath" | "size") {
            return Err(ImageError::layer(
                name,
                format!(
                    "{path} is hard-linked from a visible path but carries the PAX record {key}, which ballast cannot carry over to the link: not slimmed"
                ),
            ));
        }
    }
    Ok(())
}

fn set_recording(state: &Mutex<TapState>, on: bool) {
    let mut s = state.lock().expect("tap state");
    s.recording = on;
    if on {
        s.recorded.clear();
    }
}

/// The step for each entry index, from the plan.
struct Steps<'a> {
    plan: &'a LayerPlan,
    /// Dropped targets whose bytes a materialised link holds.
    saved: HashSet<usize>,
    /// Materialised link -> its target.
    materialise: HashMap<usize, usize>,
    /// Kept links of a materialised group -> the path holding the bytes.
    relink: HashMap<usize, Box<[u8]>>,
}

impl<'a> Steps<'a> {
    fn new(entries: &[Entry], plan: &'a LayerPlan) -> Self {
        Steps {
            plan,
            saved: plan.materialise.iter().map(|&(_, t)| t).collect(),
            materialise: plan.materialise.iter().copied().collect(),
            relink: plan
                .relink
                .iter()
                .map(|&(link, holder)| (link, entries[holder].path.clone()))
                .collect(),
        }
    }

    fn of(&self, i: usize) -> Step {
        if let Some(&target) = self.materialise.get(&i) {
            Step::Materialise(target)
        } else if let Some(holder) = self.relink.get(&i) {
            Step::Relink(holder.clone())
        } else if self.plan.keep[i] {
            Step::Keep
        } else if self.saved.contains(&i) {
            Step::Save
        } else {
            Step::Drop
        }
    }
}

/// A GNU long-name record for a name that does not fit a header's 100 bytes.
fn long_name(out: &mut impl Write, kind: tar::EntryType, name: &[u8]) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().expect("a GNU header").name[..13].copy_from_slice(b"././@LongLink");
    h.set_mode(0o644);
    h.set_entry_type(kind);
    h.set_size(name.len() as u64 + 1);
    h.set_cksum();
    out.write_all(h.as_bytes())?;
    out.write_all(name)?;
    out.write_all(&[0])?;
    out.write_all(&[0; BLOCK as usize][..padding(name.len() as u64 + 1)])
}

/// Sets a header's name, preceded by a long-name record when it is too long.
fn named(out: &mut impl Write, header: &mut tar::Header, path: &[u8]) -> io::Result<()> {
    let gnu = header.as_gnu_mut().expect("a GNU header");
    gnu.name = [0; 100];
    if path.len() > 100 {
        long_name(out, tar::EntryType::GNULongName, path)?;
        gnu.name.copy_from_slice(&path[..100]);
    } else {
        gnu.name[..path.len()].copy_from_slice(path);
    }
    Ok(())
}

/// A GNU header with the target's metadata (a hard link shares its inode).
fn gnu_from(source: &tar::Header) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_mode(source.mode().unwrap_or(0o644));
    h.set_uid(source.uid().unwrap_or(0));
    h.set_gid(source.gid().unwrap_or(0));
    h.set_mtime(source.mtime().unwrap_or(0));
    if let Some(u) = source.username_bytes() {
        let _ = h.set_username(&String::from_utf8_lossy(u));
    }
    if let Some(g) = source.groupname_bytes() {
        let _ = h.set_groupname(&String::from_utf8_lossy(g));
    }
    h
}

fn write_file(
    out: &mut impl Write,
    path: &[u8],
    target: &tar::Header,
    data: &mut std::fs::File,
) -> io::Result<()> {
    let mut h = gnu_from(target);
    let size = data.seek(SeekFrom::End(0))?;
    data.seek(SeekFrom::Start(0))?;
    named(out, &mut h, path)?;
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_cksum();
    out.write_all(h.as_bytes())?;
    let copied = io::copy(data, out)?;
    out.write_all(&[0; BLOCK as usize][..padding(copied)])
}

/// A directory the extractor would have made for the entry below it:
/// `0755`, owned by root, as the entry's time.
fn write_dir(out: &mut impl Write, path: &[u8], below: &tar::Header) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(below.mtime().unwrap_or(0));
    let mut name = path.to_vec();
    name.push(b'/');
    named(out, &mut h, &name)?;
    h.set_entry_type(tar::EntryType::Directory);
    h.set_size(0);
    h.set_cksum();
    out.write_all(h.as_bytes())
}

fn write_link(
    out: &mut impl Write,
    path: &[u8],
    source: &tar::Header,
    holder: &[u8],
) -> io::Result<()> {
    let mut h = gnu_from(source);
    if holder.len() > 100 {
        long_name(out, tar::EntryType::GNULongLink, holder)?;
    }
    named(out, &mut h, path)?;
    h.set_entry_type(tar::EntryType::Link);
    h.set_size(0);
    let gnu = h.as_gnu_mut().expect("a GNU header");
    gnu.linkname = [0; 100];
    let n = holder.len().min(100);
    gnu.linkname[..n].copy_from_slice(&holder[..n]);
    h.set_cksum();
    out.write_all(h.as_bytes())
}
