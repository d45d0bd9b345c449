//! The content of the few files the analysis reads (RECORDs, dpkg file
//! lists, METADATA headers), held from the scan of their layer until the
//! analysis. Most of it is lists of sorted paths, so each line is held as
//! the length it shares with the line before and the rest: RECORDs of a
//! CUDA torch stack shrink several times, with a few lines of code (a
//! general compressor's code pages cost as much memory as it saved here).

use std::borrow::Cow;

use crate::compact;

/// A captured file's content, held front-coded by line when that is smaller.
#[derive(Clone, PartialEq, Eq)]
pub struct Captured {
    /// [`RAW`] then the bytes, or [`LINES`] then the encoding of
    /// [`front_code`].
    packed: Box<[u8]>,
}

const RAW: u8 = 0;
const LINES: u8 = 1;

impl Captured {
    /// Keeps `bytes`, front-coded when that makes them smaller.
    pub fn new(bytes: &[u8]) -> Captured {
        let coded = front_code(bytes);
        let (tag, body) = if coded.len() < bytes.len() {
            (LINES, coded.as_slice())
        } else {
            (RAW, bytes)
        };
        let mut packed = Vec::with_capacity(body.len() + 1);
        packed.push(tag);
        packed.extend_from_slice(body);
        Captured {
            packed: packed.into_boxed_slice(),
        }
    }

    /// The content as it was captured.
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match self.packed.split_first() {
            Some((&LINES, body)) => front_decode(body).into(),
            Some((_, body)) => body.into(),
            None => Cow::Borrowed(&[]),
        }
    }

    /// The content as text; `None` when it is not UTF-8.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self.bytes() {
            Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
        }
    }

    /// Calls `f` with each line of the content as text, without its `\n`,
    /// one line decoded at a time (a RECORD of torch is half a megabyte
    /// whole); `false`, and no call, when the content is not UTF-8.
    pub fn for_each_line(&self, mut f: impl FnMut(&str)) -> bool {
        let mut text = true;
        self.raw_lines(|line| text &= std::str::from_utf8(line).is_ok());
        if text {
            // Lines of valid UTF-8 split at `\n` are valid UTF-8 each.
            self.raw_lines(|line| f(std::str::from_utf8(line).unwrap_or_default()));
        }
        text
    }

    fn raw_lines(&self, f: impl FnMut(&[u8])) {
        match self.packed.split_first() {
            Some((&LINES, body)) => front_lines(body, f),
            Some((_, body)) => body.split(|&b| b == b'\n').for_each(f),
            None => {}
        }
    }

    /// The bytes held, for memory accounting.
    pub fn held_bytes(&self) -> usize {
        self.packed.len()
    }
}

impl std::fmt::Debug for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Captured({} bytes held)", self.held_bytes())
    }
}

/// The total length, then for each `\n`-separated line: the length it
/// shares with the line before, the length of the rest, the rest.
fn front_code(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    compact::put(&mut out, bytes.len() as u64);
    let mut prev: &[u8] = &[];
    for line in bytes.split(|&b| b == b'\n') {
        compact::put_front(&mut out, prev, line);
        prev = line;
    }
    out
}

/// Calls `f` with each line of what [`front_code`] wrote, without its `\n`.
fn front_lines(mut coded: &[u8], mut f: impl FnMut(&[u8])) {
    compact::take(&mut coded); // the total length
    let mut line = Vec::new();
    while !coded.is_empty() {
        compact::take_front(&mut coded, &mut line);
        f(&line);
    }
}

/// The inverse of [`front_code`], for an encoding it wrote.
fn front_decode(coded: &[u8]) -> Vec<u8> {
    let total = compact::take(&mut &coded[..]) as usize;
    let mut out: Vec<u8> = Vec::with_capacity(total);
    let mut first = true;
    front_lines(coded, |line| {
        if !std::mem::take(&mut first) {
            out.push(b'\n');
        }
        out.extend_from_slice(line);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_content_reads_back_as_it_was() {
        let record: String = (0..2000)
            .map(|i| format!("torch/include/ATen/ops/op_{i}.h,{}\n", i * 7))
            .collect();
        let kept = Captured::new(record.as_bytes());
        assert!(kept.held_bytes() * 3 < record.len(), "{kept:?}");
        assert_eq!(kept.text().as_deref(), Some(record.as_str()));
        // Short or incompressible content is held as it is, one tag byte more.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 56) as u8
            })
            .collect();
        for bytes in [b"ID=debian\n".as_slice(), b"", &noise] {
            let kept = Captured::new(bytes);
            assert_eq!(kept.held_bytes(), bytes.len() + 1);
            assert_eq!(kept.bytes().as_ref(), bytes);
        }
        assert_eq!(Captured::new(&[0xff, 0xfe]).text(), None);
        let not_text = Captured::new(&[b"ok\n".repeat(100).as_slice(), &[0xff]].concat());
        assert!(!not_text.for_each_line(|_| panic!("no line of a non-UTF-8 content")));
    }

    #[test]
    fn front_coding_round_trips_every_shape_of_lines() {
        let long = format!("{}\n{}x\n", "a".repeat(300), "a".repeat(200));
        let fixed: [&[u8]; 9] = [
            b"\n",
            b"\n\nab\nab",
            b"abc\nab\nabc\n",
            b"x\r\nx\r\n",
            b"same\nsame\nsame",
            b"no newline at all",
            long.as_bytes(),
            &[0xff, b'\n', 0xff, 0xfe],
            b"",
        ];
        for bytes in fixed {
            assert_eq!(front_decode(&front_code(bytes)), bytes, "{bytes:?}");
        }
        // Every short string over a three-letter alphabet with newlines.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 14) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| [b'a', b'b', b'\n', b'\n'][((x >> (8 + 2 * i)) & 3) as usize])
                .collect();
            assert_eq!(front_decode(&front_code(&bytes)), bytes, "{bytes:?}");
            assert_eq!(Captured::new(&bytes).bytes().as_ref(), bytes.as_slice());
            let mut lines = Vec::new();
            assert!(Captured::new(&bytes).for_each_line(|l| lines.push(l.to_string())));
            let want: Vec<String> = String::from_utf8(bytes)
                .unwrap()
                .split('\n')
                .map(String::from)
                .collect();
            assert_eq!(lines, want);
        }
    }
}
