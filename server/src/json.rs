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

#[cfg(test)]
mod tests {
    use super::*;

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
