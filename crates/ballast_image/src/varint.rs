//! LEB128 varints, for the compact forms held between the scan and the
//! analysis (captured contents, a layer's entries).

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
