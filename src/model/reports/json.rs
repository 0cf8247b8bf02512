//! A small JSON writer (RFC 8259), for the files the app hands out (the HAR export).
//!
//! The web bundle carries no JSON serializer (`serde_json` brings its derived code and float
//! printing), while a HAR needs strings, integers and milliseconds with three decimals. Values are written in the order given; the writer puts
//! the commas, and the caller keeps objects and arrays balanced.
//!
//! Left out: pretty printing (the CLI re-indents with `serde_json`), floats in general.

use std::fmt::Write;

/// JSON text being written.
#[derive(Debug)]
pub struct Writer {
    out: String,
    /// Nothing written yet in the current object or array (or after a key): no comma is due.
    fresh: bool,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            out: String::new(),
            fresh: true,
        }
    }
}

impl Writer {
    fn sep(&mut self) {
        if !self.fresh {
            self.out.push(',');
        }
        self.fresh = false;
    }

    /// Opens an object (`{`).
    pub fn obj(&mut self) -> &mut Self {
        self.sep();
        self.out.push('{');
        self.fresh = true;
        self
    }

    /// Opens an array (`[`).
    pub fn arr(&mut self) -> &mut Self {
        self.sep();
        self.out.push('[');
        self.fresh = true;
        self
    }

    /// Closes the innermost object.
    pub fn end_obj(&mut self) -> &mut Self {
        self.out.push('}');
        self.fresh = false;
        self
    }

    /// Closes the innermost array.
    pub fn end_arr(&mut self) -> &mut Self {
        self.out.push(']');
        self.fresh = false;
        self
    }

    /// A member's name; its value comes next.
    pub fn key(&mut self, k: &str) -> &mut Self {
        self.str(k);
        self.out.push(':');
        self.fresh = true;
        self
    }

    /// A string, escaped as RFC 8259 §7 requires (quotation mark, reverse solidus and the
    /// control characters; everything else is written as UTF-8).
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.sep();
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        self
    }

    /// An integer.
    pub fn int(&mut self, n: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{n}");
        self
    }

    /// Milliseconds from microseconds, with up to three decimals (`12.5`, `0.004`, `3`), as
    /// DevTools writes its timings.
    pub fn ms(&mut self, micros: u64) -> &mut Self {
        self.sep();
        self.out.push_str(&crate::model::text::decimal(micros, 3));
        self
    }

    /// Seconds from microseconds, with up to six decimals, as DevTools writes a WebSocket
    /// message's time.
    pub fn seconds(&mut self, micros: u64) -> &mut Self {
        self.sep();
        self.out.push_str(&crate::model::text::decimal(micros, 6));
        self
    }

    /// `key` with a string value.
    pub fn str_field(&mut self, key: &str, v: &str) -> &mut Self {
        self.key(key).str(v)
    }

    /// `key` with an integer value.
    pub fn int_field(&mut self, key: &str, n: i64) -> &mut Self {
        self.key(key).int(n)
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Writer;

    #[test]
    fn writes_balanced_json_with_commas_and_escapes() {
        let mut w = Writer::default();
        w.obj()
            .str_field("a", "quote \" slash \\ line\nbell\u{7} é")
            .str_field("k\"\u{1f}", "\u{7f}\u{8}\u{c}\u{2028}")
            .key("list")
            .arr()
            .int(-3)
            .ms(12_500)
            .ms(4)
            .ms(3000)
            .ms(999)
            .ms(1001)
            .obj()
            .end_obj()
            .arr()
            .end_arr()
            .end_arr()
            .int_field("n", 0)
            .end_obj();
        let text = w.finish();
        assert_eq!(
            text,
            "{\"a\":\"quote \\\" slash \\\\ line\\nbell\\u0007 é\",\"k\\\"\\u001f\":\"\u{7f}\\u0008\\u000c\u{2028}\",\"list\":[-3,12.5,0.004,3,0.999,1.001,{},[]],\"n\":0}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["a"], "quote \" slash \\ line\nbell\u{7} é");
        assert_eq!(v["list"][1], 12.5);
        assert_eq!(v["k\"\u{1f}"], "\u{7f}\u{8}\u{c}\u{2028}");
    }
}
