//! The JSON ("exec") form of RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME.
//!
//! BuildKit decides the form with Go's `json.Unmarshal` into `[]interface{}`:
//! any syntax error (including trailing text after the array) means shell
//! form, while valid JSON whose elements are not all strings is a hard error.
//! This is a small validator with Go's exact acceptance rules that also
//! records where each element is, so fixes can edit one element in place.

/// How a JSON-looking argument was classified.
#[derive(Debug, PartialEq, Eq)]
pub enum JsonForm {
    /// A valid array of strings: each element's value and byte range.
    Strings(Vec<(String, (usize, usize))>),
    /// Valid JSON, but not an array of strings only.
    NotStringArray,
    /// Not valid JSON: the instruction is in shell form.
    Invalid,
}

const MAX_DEPTH: usize = 10_000;

/// Classifies `text` (already stripped of leading whitespace).
pub fn classify(text: &str) -> JsonForm {
    if !text.starts_with('[') {
        return JsonForm::Invalid;
    }
    let mut p = JsonParser {
        s: text.as_bytes(),
        src: text,
        pos: 0,
        depth: 0,
    };
    let Some(value) = p.value() else {
        return JsonForm::Invalid;
    };
    p.skip_ws();
    if p.pos != p.s.len() {
        return JsonForm::Invalid;
    }
    match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s, range) => out.push((s, range)),
                    _ => return JsonForm::NotStringArray,
                }
            }
            JsonForm::Strings(out)
        }
        _ => JsonForm::NotStringArray,
    }
}

enum Value {
    String(String, (usize, usize)),
    Array(Vec<Value>),
    Other,
}

struct JsonParser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl JsonParser<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_ws();
        match *self.s.get(self.pos)? {
            b'[' => self.array(),
            b'{' => self.object(),
            b'"' => {
                let start = self.pos;
                let s = self.string()?;
                Some(Value::String(s, (start, self.pos)))
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<Value> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Some(Value::Other)
        } else {
            None
        }
    }

    fn number(&mut self) -> Option<Value> {
        self.eat(b'-');
        match self.s.get(self.pos)? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.') {
            if !self.s.get(self.pos)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !self.s.get(self.pos)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some(Value::Other)
    }

    fn digits(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn array(&mut self) -> Option<Value> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if !self.eat(b']') {
            loop {
                items.push(self.value()?);
                self.skip_ws();
                if self.eat(b',') {
                    continue;
                }
                if self.eat(b']') {
                    break;
                }
                return None;
            }
        }
        self.depth -= 1;
        Some(Value::Array(items))
    }

    fn object(&mut self) -> Option<Value> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws();
        if !self.eat(b'}') {
            loop {
                self.skip_ws();
                if self.s.get(self.pos) != Some(&b'"') {
                    return None;
                }
                self.string()?;
                self.skip_ws();
                if !self.eat(b':') {
                    return None;
                }
                self.value()?;
                self.skip_ws();
                if self.eat(b',') {
                    continue;
                }
                if self.eat(b'}') {
                    break;
                }
                return None;
            }
        }
        self.depth -= 1;
        Some(Value::Other)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.s.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let b = *self.s.get(self.pos)?;
            match b {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                0..=0x1f => return None,
                b'\\' => {
                    let esc = *self.s.get(self.pos + 1)?;
                    self.pos += 2;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4(self.pos)?;
                            self.pos += 4;
                            out.push(self.decode_u(hi));
                        }
                        _ => return None,
                    }
                }
                _ => {
                    // Copy one UTF-8 scalar.
                    let rest = &self.src[self.pos..];
                    let c = rest.chars().next()?;
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// Go combines a surrogate pair and turns a lone surrogate into U+FFFD.
    fn decode_u(&mut self, hi: u32) -> char {
        if (0xd800..0xe000).contains(&hi) {
            if hi < 0xdc00
                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                && let Some(lo) = self.hex4(self.pos + 2)
                && (0xdc00..0xe000).contains(&lo)
            {
                self.pos += 6;
                let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                return char::from_u32(c).unwrap_or('\u{fffd}');
            }
            return '\u{fffd}';
        }
        char::from_u32(hi).unwrap_or('\u{fffd}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<String> {
        match classify(text) {
            JsonForm::Strings(v) => v.into_iter().map(|(s, _)| s).collect(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn accepts_go_json() {
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(strings("[ \"a\", \"b\" ] "), ["a", "b"]);
        assert_eq!(
            strings(r#"["\u0000\ud83d\ude00\ud800"]"#),
            ["\u{0}😀\u{fffd}"]
        );
    }

    #[test]
    fn rejects_and_falls_back() {
        assert_eq!(classify(r#"["a", ["b"]]"#), JsonForm::NotStringArray);
        assert_eq!(classify(r#"["a", 1]"#), JsonForm::NotStringArray);
        assert_eq!(classify(r#"["a", "b"] /c"#), JsonForm::Invalid);
        assert_eq!(classify("['a']"), JsonForm::Invalid);
        assert_eq!(classify(r#"["a",]"#), JsonForm::Invalid);
        assert_eq!(classify("[\"a\tb\"]"), JsonForm::Invalid);
    }

    #[test]
    fn records_element_ranges() {
        let JsonForm::Strings(v) = classify(r#"["ab", "c"]"#) else {
            panic!()
        };
        assert_eq!(v[0].1, (1, 5));
        assert_eq!(v[1].1, (7, 10));
    }
}
