//! Small re-statements of Go standard-library behaviour that BuildKit's parser
//! depends on: `unicode.IsSpace`, `unicode.IsLetter`, `unicode.IsDigit`,
//! `strings.ToLower`, `strconv.Quote`. Matching them is what makes our dumps
//! byte-identical to BuildKit's.

use unicode_general_category::{GeneralCategory, get_general_category};

/// Go's `unicode.IsSpace`.
pub(crate) fn is_space(c: char) -> bool {
    // Latin-1 is special-cased in Go; beyond it, the White_Space property, which
    // is exactly what Rust's `char::is_whitespace` implements.
    c.is_whitespace()
}

/// Go's `unicode.IsSpace(rune(b))` applied to one byte, as BuildKit does in
/// its byte-wise loops (`extractBuilderFlags`, `parseHealthConfig`).
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// The characters of BuildKit's `reWhitespace` (`[\t\v\f\r ]`).
pub(crate) fn is_re_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Go's `unicode.IsLetter`: general category L.
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
    )
}

/// Go's `unicode.IsDigit`: general category Nd.
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == GeneralCategory::DecimalNumber
}

/// Go's `strconv.IsPrint`: categories L, M, N, P, S and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    use GeneralCategory as G;
    !matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
    )
}

/// Go's `strings.ToLower`: the simple (one-to-one) lower-case mapping per rune.
pub(crate) fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| {
            // Rust exposes the full mapping; where it expands to several
            // characters (only U+0130), the simple mapping is its first one.
            c.to_lowercase().next().unwrap_or(c)
        })
        .collect()
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_print(c) => out.push(c),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `fmt.Sprintf("%q", []string{...})`.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    format!("[{}]", parts.join(" "))
}

/// Go's `strings.TrimSpace`, returning the byte range kept.
pub(crate) fn trim_space_range(s: &str) -> (usize, usize) {
    let start = s.len() - s.trim_start_matches(is_space).len();
    let end = s.trim_end_matches(is_space).len();
    if start >= end {
        (start, start)
    } else {
        (start, end)
    }
}

/// Splits like Go's `regexp.MustCompile("[\t\v\f\r ]+").Split(s, n)` with
/// `n == -1` (all) or `n == 2`, returning byte ranges.
pub(crate) fn split_re_whitespace(s: &str, limit: Option<usize>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if s.is_empty() {
        // Go: Split("", -1) on a regexp that does not match "" gives [""].
        out.push((0, 0));
        return out;
    }
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if limit.is_some_and(|n| out.len() + 1 == n) {
            break;
        }
        if is_re_whitespace(bytes[i] as char) {
            let ws_start = i;
            while i < bytes.len() && is_re_whitespace(bytes[i] as char) {
                i += 1;
            }
            out.push((start, ws_start));
            start = i;
        } else {
            i += 1;
        }
    }
    out.push((start, s.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\u{0}\t♥"), r#""\x00\t♥""#);
        assert_eq!(quote("\u{a0}"), r#""\u00a0""#);
        assert_eq!(quote("\u{7f}"), r#""\x7f""#);
        assert_eq!(quote("\u{e0000}"), r#""\U000e0000""#);
    }

    #[test]
    fn splits_like_go_regexp() {
        assert_eq!(
            split_re_whitespace("a  b\tc", None),
            vec![(0, 1), (3, 4), (5, 6)]
        );
        assert_eq!(split_re_whitespace("a  b c", Some(2)), vec![(0, 1), (3, 6)]);
        assert_eq!(split_re_whitespace("a", Some(2)), vec![(0, 1)]);
        assert_eq!(split_re_whitespace("a ", None), vec![(0, 1), (2, 2)]);
    }

    #[test]
    fn lowercases_like_go() {
        assert_eq!(to_lower("RUN"), "run");
        assert_eq!(to_lower("İX"), "ix");
    }
}
