//! A layer's entries, held from the scan until the analysis in as few bytes
//! as the tar order allows: each path as the length it shares with the path
//! before and the rest. A layer of 136,000 files lists them directory by
//! directory, so its paths take a fifth of their length, and no allocation
//! each (an entry as a struct with a boxed path cost 56 bytes, plus the
//! path in its own allocation).
//!
//! The analysis reads them in order with [`Entries::for_each`], which lends
//! each path for the length of a call. Code that wants entries as values
//! (`slim`, tests) gets them from [`Entries::as_slice`], decoded once and
//! kept: that costs what the entries cost before, so the analysis does not.

use std::sync::OnceLock;

use crate::captured::Captured;
use crate::compact;
use crate::layer::{Entry, EntryKind};

/// What an entry is, its link target borrowed from the coded entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindRef<'a> {
    File(u64),
    Dir,
    Symlink(&'a [u8]),
    Hardlink(&'a [u8]),
    Whiteout,
    Opaque,
    Other,
    Unsupported(u8),
}

/// One entry, lent by [`Entries::for_each`].
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a, 'p> {
    /// Its place in the layer's entries.
    pub index: usize,
    /// As [`Entry::path`].
    pub path: &'p [u8],
    pub kind: KindRef<'a>,
    /// The captured content, if any.
    pub captured: Option<&'a Captured>,
}

/// A layer's entries in tar order, front-coded.
#[derive(Default)]
pub struct Entries {
    /// Per entry: the kind's tag, the shared and the new length of the path
    /// (varints), the new bytes, then the kind's data (a file's size, a
    /// link's target length and bytes, an unsupported type's byte).
    coded: Vec<u8>,
    /// Captured contents by entry index, in increasing order.
    captured: Vec<(usize, Captured)>,
    len: usize,
    /// The last path pushed, to code the next against.
    last: Vec<u8>,
    /// [`Entries::as_slice`], once asked for.
    decoded: OnceLock<Vec<Entry>>,
}

const FILE: u8 = 0;
const DIR: u8 = 1;
const SYMLINK: u8 = 2;
const HARDLINK: u8 = 3;
const WHITEOUT: u8 = 4;
const OPAQUE: u8 = 5;
const OTHER: u8 = 6;
const UNSUPPORTED: u8 = 7;

impl Entries {
    /// No entries.
    pub fn new() -> Entries {
        Entries::default()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the next entry.
    pub fn push(&mut self, entry: Entry) {
        self.decoded = OnceLock::new();
        let (tag, link) = match &entry.kind {
            EntryKind::File(_) => (FILE, None),
            EntryKind::Dir => (DIR, None),
            EntryKind::Symlink(t) => (SYMLINK, Some(t)),
            EntryKind::Hardlink(t) => (HARDLINK, Some(t)),
            EntryKind::Whiteout => (WHITEOUT, None),
            EntryKind::Opaque => (OPAQUE, None),
            EntryKind::Other => (OTHER, None),
            EntryKind::Unsupported(_) => (UNSUPPORTED, None),
        };
        let path = &entry.path;
        self.coded.push(tag);
        compact::put_front(&mut self.coded, &self.last, path);
        match (&entry.kind, link) {
            (EntryKind::File(size), _) => compact::put(&mut self.coded, *size),
            (EntryKind::Unsupported(t), _) => self.coded.push(*t),
            (_, Some(t)) => {
                compact::put(&mut self.coded, t.len() as u64);
                self.coded.extend_from_slice(t);
            }
            _ => {}
        }
        self.last.clear();
        self.last.extend_from_slice(path);
        if let Some(c) = entry.captured {
            self.captured.push((self.len, c));
        }
        self.len += 1;
    }

    /// Gives back the room left over from growing (the entries are then only read).
    pub fn shrink_to_fit(&mut self) {
        self.coded.shrink_to_fit();
        self.captured.shrink_to_fit();
        self.last = Vec::new();
    }

    /// Calls `f` with each entry in order; the path is lent for the call.
    pub fn for_each<'a>(&'a self, mut f: impl FnMut(EntryRef<'a, '_>)) {
        let mut path: Vec<u8> = Vec::new();
        let mut rest = self.coded.as_slice();
        let mut captured = self.captured.iter().peekable();
        for index in 0..self.len {
            let (tag, tail) = rest.split_first().expect("an entry per count");
            rest = tail;
            compact::take_front(&mut rest, &mut path);
            let kind = match *tag {
                FILE => KindRef::File(compact::take(&mut rest)),
                DIR => KindRef::Dir,
                SYMLINK | HARDLINK => {
                    let n = compact::take(&mut rest) as usize;
                    let (target, tail) = rest.split_at(n);
                    rest = tail;
                    if *tag == SYMLINK {
                        KindRef::Symlink(target)
                    } else {
                        KindRef::Hardlink(target)
                    }
                }
                WHITEOUT => KindRef::Whiteout,
                OPAQUE => KindRef::Opaque,
                OTHER => KindRef::Other,
                _ => {
                    let (t, tail) = rest.split_first().expect("the type byte");
                    rest = tail;
                    KindRef::Unsupported(*t)
                }
            };
            let captured = captured.next_if(|(i, _)| *i == index).map(|(_, c)| c);
            f(EntryRef {
                index,
                path: &path,
                kind,
                captured,
            });
        }
    }

    /// The last regular file at `path` in this layer, with its captured
    /// content if it was captured (`None`: no file entry at `path`).
    pub fn last_file(&self, path: &[u8]) -> Option<Option<&Captured>> {
        let mut found = None;
        self.for_each(|e| {
            if e.path == path && matches!(e.kind, KindRef::File(_)) {
                found = Some(e.captured);
            }
        });
        found
    }

    /// The entries as values, decoded on the first call and kept.
    pub fn as_slice(&self) -> &[Entry] {
        self.decoded.get_or_init(|| {
            let mut out = Vec::with_capacity(self.len);
            self.for_each(|e| out.push(e.to_entry()));
            out
        })
    }

    /// Takes the captured contents out (by entry index), for a consumer
    /// that keeps them.
    pub fn take_captured(&mut self) -> Vec<(usize, Captured)> {
        std::mem::take(&mut self.captured)
    }
}

impl EntryRef<'_, '_> {
    /// The entry as a value.
    pub fn to_entry(&self) -> Entry {
        Entry {
            path: self.path.into(),
            kind: self.kind.to_kind(),
            captured: self.captured.cloned(),
        }
    }
}

impl KindRef<'_> {
    /// The kind as a value.
    pub fn to_kind(self) -> EntryKind {
        match self {
            KindRef::File(size) => EntryKind::File(size),
            KindRef::Dir => EntryKind::Dir,
            KindRef::Symlink(t) => EntryKind::Symlink(t.into()),
            KindRef::Hardlink(t) => EntryKind::Hardlink(t.into()),
            KindRef::Whiteout => EntryKind::Whiteout,
            KindRef::Opaque => EntryKind::Opaque,
            KindRef::Other => EntryKind::Other,
            KindRef::Unsupported(t) => EntryKind::Unsupported(t),
        }
    }
}

impl Clone for Entries {
    fn clone(&self) -> Entries {
        Entries {
            coded: self.coded.clone(),
            captured: self.captured.clone(),
            len: self.len,
            last: self.last.clone(),
            decoded: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Entries) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl FromIterator<Entry> for Entries {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Entries {
        let mut out = Entries::new();
        for e in iter {
            out.push(e);
        }
        out.shrink_to_fit();
        out
    }
}

impl From<Vec<Entry>> for Entries {
    fn from(entries: Vec<Entry>) -> Entries {
        entries.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind) -> Entry {
        Entry::new(path, kind)
    }

    #[test]
    fn entries_read_back_as_they_were_pushed() {
        let mut with_content = entry("usr/lib/x.dist-info/RECORD", EntryKind::File(12));
        with_content.captured = Some(Captured::new(b"x.py,12\n"));
        let all = vec![
            entry("usr", EntryKind::Dir),
            entry("usr/lib", EntryKind::Dir),
            entry("usr/lib/libc.so.6", EntryKind::File(2_000_000)),
            entry(
                "usr/lib/libc.so",
                EntryKind::Symlink((*b"libc.so.6").into()),
            ),
            with_content,
            entry("usr/lib/big", EntryKind::File(u64::MAX)),
            entry("usr/bin/ln", EntryKind::Hardlink((*b"usr/bin/cp").into())),
            entry("etc/cache", EntryKind::Whiteout),
            entry("", EntryKind::Opaque),
            entry("dev/null", EntryKind::Other),
            entry("dev/odd", EntryKind::Unsupported(b'V')),
            entry(&"a/".repeat(200), EntryKind::Dir),
            entry("\u{e9}t\u{e9}/\u{ff}", EntryKind::File(0)),
        ];
        let entries = Entries::from(all.clone());
        assert_eq!(entries.len(), all.len());
        assert_eq!(entries.as_slice(), all.as_slice());
        let mut seen = Vec::new();
        entries.for_each(|e| seen.push((e.index, e.to_entry())));
        let want: Vec<(usize, Entry)> = all.into_iter().enumerate().collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn the_last_file_entry_at_a_path_is_the_one_found() {
        let mut first = entry("app/x", EntryKind::File(1));
        first.captured = Some(Captured::new(b"one"));
        let mut second = entry("app/x", EntryKind::File(3));
        second.captured = Some(Captured::new(b"three"));
        let entries = Entries::from(vec![
            first,
            second,
            entry("app/x", EntryKind::Whiteout),
            entry("app/y", EntryKind::File(0)),
            entry("app/d", EntryKind::Dir),
        ]);
        let found = entries.last_file(b"app/x").flatten().map(|c| c.bytes());
        assert_eq!(found.as_deref(), Some(&b"three"[..]));
        assert!(matches!(entries.last_file(b"app/y"), Some(None)));
        assert!(entries.last_file(b"app/d").is_none());
        assert!(entries.last_file(b"app").is_none());
    }

    #[test]
    fn paths_in_tar_order_take_a_fraction_of_their_length() {
        let all: Vec<Entry> = (0..1000)
            .map(|i| {
                let p = format!("usr/local/lib/python3.11/site-packages/torch/include/op_{i}.h");
                entry(&p, EntryKind::File(i))
            })
            .collect();
        let bytes: usize = all.iter().map(|e| e.path.len()).sum();
        let entries = Entries::from(all);
        assert!(
            entries.coded.len() * 4 < bytes,
            "{} of {bytes}",
            entries.coded.len()
        );
    }
}
