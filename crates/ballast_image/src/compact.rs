//! The compact forms held between the scan and the analysis (captured
//! contents, a layer's entries): LEB128 varints, and byte strings
//! front-coded against the one before them.

/// Appends `n`, seven bits a byte.
pub(crate) fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a varint [`put`] wrote and advances past it.
pub(crate) fn take(coded: &mut &[u8]) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    while let Some((&b, rest)) = coded.split_first() {
        *coded = rest;
        n |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            break;
        }
    }
    n
}

/// Appends `item` front-coded against `prev`: the length the two share,
/// the length of the rest (varints), the rest.
pub(crate) fn put_front(out: &mut Vec<u8>, prev: &[u8], item: &[u8]) {
    let shared = prev.iter().zip(item).take_while(|(a, b)| a == b).count();
    put(out, shared as u64);
    put(out, (item.len() - shared) as u64);
    out.extend_from_slice(&item[shared..]);
}

/// Reads what [`put_front`] wrote, turning `item` (the string before it)
/// into the string it coded, and advances past it. Lengths past the end of
/// `coded` are cut to it.
pub(crate) fn take_front(coded: &mut &[u8], item: &mut Vec<u8>) {
    let shared = take(coded) as usize;
    let rest = (take(coded) as usize).min(coded.len());
    item.truncate(shared);
    item.extend_from_slice(&coded[..rest]);
    *coded = &coded[rest..];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_coded_strings_read_back_in_order() {
        let items: [&[u8]; 5] = [b"", b"usr/lib/a", b"usr/lib/ab", b"usr/bin", b"x"];
        let mut out = Vec::new();
        let mut prev: &[u8] = &[];
        for item in items {
            put_front(&mut out, prev, item);
            prev = item;
        }
        // Two length bytes each, then the new bytes: "usr/lib/a" whole, one
        // byte after it, "bin" after "usr/", "x" after nothing shared.
        assert_eq!(out.len(), 5 * 2 + 9 + 1 + 3 + 1);
        let mut coded = out.as_slice();
        let mut item = Vec::new();
        for want in items {
            take_front(&mut coded, &mut item);
            assert_eq!(item, want);
        }
        assert!(coded.is_empty());
    }

    #[test]
    fn varints_round_trip_at_every_width() {
        for n in [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            put(&mut out, n);
            let mut coded = out.as_slice();
            assert_eq!(take(&mut coded), n);
            assert!(coded.is_empty());
        }
    }
}
