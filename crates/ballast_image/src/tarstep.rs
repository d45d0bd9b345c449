//! Bounding what the tar crate keeps in memory. Reading the next entry, tar
//! loads a GNU long name, long link or PAX extension whole, whatever size its
//! header claims, so a tiny compressed layer can ask for gigabytes. Here the
//! reader under tar is metered while tar looks for the next entry (headers and
//! extensions only: callers drain each entry's data before moving on), and a
//! step that reads more than the bound fails with [`HeaderTooLarge`].

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const UNARMED: u64 = u64::MAX;

/// The error a metered step stops with.
#[derive(Debug)]
pub(crate) struct HeaderTooLarge(pub u64);

impl std::fmt::Display for HeaderTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a tar header with its extensions (long name, PAX records) exceeds {} bytes",
            self.0
        )
    }
}

impl std::error::Error for HeaderTooLarge {}

/// Whether an I/O error is a [`HeaderTooLarge`].
pub(crate) fn is_header_too_large(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<HeaderTooLarge>().is_some())
}

/// The bytes one step may read: the longest allowed path twice (name and
/// link target) plus room for headers and ordinary PAX records.
pub(crate) fn step_bound(max_path_bytes: u64) -> u64 {
    max_path_bytes.saturating_mul(2).saturating_add(64 << 10)
}

/// A reader that fails once an armed step has read past its bound.
pub(crate) struct Metered<R> {
    inner: R,
    left: Arc<AtomicU64>,
    bound: u64,
}

/// Arms the meter around one call of the entry iterator.
#[derive(Clone)]
pub(crate) struct Stepper {
    left: Arc<AtomicU64>,
    bound: u64,
}

/// Wraps `inner`; steps taken through the returned [`Stepper`] read at most
/// `bound` bytes.
pub(crate) fn metered<R: Read>(inner: R, bound: u64) -> (Metered<R>, Stepper) {
    let left = Arc::new(AtomicU64::new(UNARMED));
    (
        Metered {
            inner,
            left: left.clone(),
            bound,
        },
        Stepper { left, bound },
    )
}

impl Stepper {
    /// The next item of `it`, read under the bound.
    pub(crate) fn next<I: Iterator>(&self, it: &mut I) -> Option<I::Item> {
        self.left.store(self.bound, Ordering::Relaxed);
        let item = it.next();
        self.left.store(UNARMED, Ordering::Relaxed);
        item
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left.load(Ordering::Relaxed);
        if left == UNARMED {
            return self.inner.read(buf);
        }
        if left == 0 {
            return Err(io::Error::other(HeaderTooLarge(self.bound)));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left.store(left - n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: io::Seek> io::Seek for Metered<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R> Metered<R> {
    /// The wrapped reader.
    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

/// Reads what is left of an entry's data, so the next step reads only headers.
pub(crate) fn drain<R: Read>(entry: &mut R) -> io::Result<()> {
    io::copy(entry, &mut io::sink()).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with_long_name(name_len: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        let name = "d/".repeat(name_len / 2) + "f";
        b.append_data(&mut h, &name, &b"abc"[..]).unwrap();
        b.append_data(&mut h.clone(), "small", &b"xyz"[..]).unwrap();
        b.into_inner().unwrap()
    }

    fn names(bytes: &[u8], bound: u64) -> io::Result<Vec<usize>> {
        let (r, step) = metered(bytes, bound);
        let mut archive = tar::Archive::new(r);
        let mut it = archive.entries()?;
        let mut out = Vec::new();
        while let Some(e) = step.next(&mut it) {
            let mut e = e?;
            out.push(e.path_bytes().len());
            drain(&mut e)?;
        }
        Ok(out)
    }

    #[test]
    fn a_long_name_within_the_bound_reads() {
        let t = tar_with_long_name(3000);
        assert_eq!(names(&t, step_bound(4096)).unwrap(), vec![3001, 5]);
    }

    #[test]
    fn a_long_name_past_the_bound_stops() {
        let t = tar_with_long_name(200_000);
        let e = names(&t, step_bound(4096)).unwrap_err();
        assert!(is_header_too_large(&e), "{e}");
    }
}
