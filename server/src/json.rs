//! A tiny JSON writer: the server only ever emits flat objects of strings and
//! numbers, which does not justify serde in a crate that must build fast.

use std::fmt::Write;

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // U+2028/2029 are legal JSON but break some JS eval paths; escaping is harmless.
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Builds one JSON object field by field.
pub struct Obj {
    buf: String,
    first: bool,
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
}

impl Obj {
    pub fn new() -> Self {
        Obj {
            buf: String::from("{"),
            first: true,
        }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        push_str(&mut self.buf, k);
        self.buf.push(':');
    }

    pub fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        push_str(&mut self.buf, v);
        self
    }

    /// A string, or `null` when absent.
    pub fn opt_str(mut self, k: &str, v: Option<&str>) -> Self {
        self.key(k);
        match v {
            Some(v) => push_str(&mut self.buf, v),
            None => self.buf.push_str("null"),
        }
        self
    }

    pub fn int(mut self, k: &str, v: u64) -> Self {
        self.key(k);
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A float rounded to `decimals`; non-finite values become 0 (JSON has no NaN).
    pub fn float(mut self, k: &str, v: f64, decimals: usize) -> Self {
        self.key(k);
        let v = if v.is_finite() { v } else { 0.0 };
        let _ = write!(self.buf, "{v:.decimals$}");
        self
    }

    pub fn bool(mut self, k: &str, v: bool) -> Self {
        self.key(k);
        self.buf.push_str(if v { "true" } else { "false" });
        self
    }

    /// Inserts already-serialised JSON.
    pub fn raw(mut self, k: &str, json: &str) -> Self {
        self.key(k);
        self.buf.push_str(json);
        self
    }

    pub fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// Serialises string pairs as an object (later duplicates are kept: JSON.parse takes the last).
pub fn object_of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut o = Obj::new();
    for (k, v) in pairs {
        o = o.str(k, v);
    }
    o.finish()
}

/// Reads the string member `key` of a JSON object (the whole input must be one valid JSON
/// value, nested at most [`MAX_DEPTH`] deep). `Ok(None)` when the object has no such
/// member; `Err` for invalid JSON, a non-object, or a member that is not a string.
pub fn string_member(input: &[u8], key: &str) -> Result<Option<String>, &'static str> {
    let mut p = Parser { b: input, i: 0 };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err("the body must be a JSON object");
    }
    let found = p.object(0, Some(key))?;
    p.ws();
    if p.i != p.b.len() {
        return Err("trailing bytes after the JSON value");
    }
    match found {
        None => Ok(None),
        Some(Found::Str(s)) => Ok(Some(s)),
        Some(Found::Other) => Err("the member is not a string"),
    }
}

/// How deep arrays and objects may nest in a parsed body.
pub const MAX_DEPTH: usize = 32;

enum Found {
    Str(String),
    Other,
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

const INVALID: &str = "invalid JSON";

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), &'static str> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(INVALID)
        }
    }

    /// An object at `self.i`; with `want`, returns that member's value (the last one given).
    fn object(&mut self, depth: usize, want: Option<&str>) -> Result<Option<Found>, &'static str> {
        if depth >= MAX_DEPTH {
            return Err("JSON nested too deep");
        }
        self.eat(b'{')?;
        let mut found = None;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(None);
        }
        loop {
            self.ws();
            let k = self.string()?;
            self.eat(b':')?;
            self.ws();
            if want == Some(k.as_str()) {
                found = Some(if self.peek() == Some(b'"') {
                    Found::Str(self.string()?)
                } else {
                    self.value(depth + 1)?;
                    Found::Other
                });
            } else {
                self.value(depth + 1)?;
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(found);
                }
                _ => return Err(INVALID),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), &'static str> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth, None).map(drop),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err("JSON nested too deep");
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(INVALID),
                    }
                }
            }
            Some(b'"') => self.string().map(drop),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(INVALID),
        }
    }

    fn word(&mut self, w: &[u8]) -> Result<(), &'static str> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(())
        } else {
            Err(INVALID)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<(), &'static str> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(INVALID),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(INVALID);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(INVALID);
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, &'static str> {
        let h = self.b.get(self.i..self.i + 4).ok_or(INVALID)?;
        let s = std::str::from_utf8(h).map_err(|_| INVALID)?;
        let v = u32::from_str_radix(s, 16).map_err(|_| INVALID)?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, &'static str> {
        if self.peek() != Some(b'"') {
            return Err(INVALID);
        }
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or(INVALID)?;
            self.i += 1;
            match c {
                b'"' => {
                    return String::from_utf8(out).map_err(|_| "invalid UTF-8 in a JSON string")
                }
                b'\\' => {
                    let e = self.peek().ok_or(INVALID)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair: the low half must follow.
                                if !self.b[self.i..].starts_with(b"\\u") {
                                    return Err(INVALID);
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(INVALID);
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(cp).ok_or(INVALID)?
                        }
                        _ => return Err(INVALID),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(INVALID),
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_string_member() {
        let ok = |s: &str| string_member(s.as_bytes(), "prompt");
        assert_eq!(ok(r#"{"prompt":"hi"}"#), Ok(Some("hi".into())));
        assert_eq!(
            ok(
                r#" { "a": [1, -2.5e3, {"b": null}], "prompt" : "x\"\u00e9\ud83d\ude00\n", "c": true } "#
            ),
            Ok(Some("x\"\u{e9}\u{1F600}\n".into()))
        );
        assert_eq!(ok(r#"{"other":"x"}"#), Ok(None));
        assert_eq!(ok(r#"{"prompt":"a","prompt":"b"}"#), Ok(Some("b".into())));
        for bad in [
            "",
            "[]",
            r#""x""#,
            r#"{"prompt":1}"#,
            r#"{"prompt":"a"} x"#,
            r#"{"prompt":"a",}"#,
            r#"{"prompt":"\ud800"}"#,
            r#"{"prompt":"a\u0"}"#,
            "{\"prompt\":\"a\nb\"}",
            r#"{"a":01}"#,
            r#"{"a":[1,]}"#,
        ] {
            assert!(ok(bad).is_err(), "{bad:?}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(ok(&deep).is_err());
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
        let o = Obj::new()
            .int("n", 3)
            .opt_str("x", None)
            .float("f", 1.5, 2)
            .finish();
        assert_eq!(o, r#"{"n":3,"x":null,"f":1.50}"#);
    }
}
