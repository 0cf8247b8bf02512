//! The last stages: the page the modelled server sends, and what the browser does with it.
//!
//! The document is generated to the scenario's size: a head with an inline stylesheet, a body of
//! paragraphs, a button, and an inline script at the end that registers a click handler (which
//! calls `fetch()` and `setTimeout()`). The renderer's work is counted from that document (its
//! elements and style rules); how long each phase takes is a scenario assumption.
//!
//! Left out: real HTML tokenization (elements are counted by their start tags), style
//! resolution, layout geometry, and sub-resources (the page-load work adds them).

/// A generated page and what the renderer counts in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub html: String,
    /// Start tags ([`element_count`] of `html`).
    pub elements: usize,
    /// Rules of its inline stylesheet ([`css_rule_count`] of `html`).
    pub css_rules: usize,
}

/// The generated page's parts: its head (with `title`), the paragraph it repeats, its tail.
fn parts(title: &str) -> (String, &'static str, &'static str) {
    let head = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <style>\nbody {{ font-family: sans-serif; margin: 2em; }}\nh1 {{ color: #1d4ed8; }}\n\
         p {{ line-height: 1.5; }}\nbutton {{ padding: 0.5em 1em; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let tail = "<button id=\"load\">Load data</button>\n<pre id=\"out\"></pre>\n<script>\n\
                document.getElementById('load').addEventListener('click', () => {\n\
                \x20 fetch('/api/data').then(r => r.json()).then(d => { out.textContent = JSON.stringify(d); });\n\
                \x20 setTimeout(() => console.log('timer'), 100);\n});\n</script>\n</body>\n</html>\n";
    let para = "<p>Every request this page makes goes through the same cache, DNS, socket pool and connection as the page itself.</p>\n";
    (head, para, tail)
}

/// How many paragraphs pad a page of `head` and `tail` to at most `bytes` (at least none).
fn paragraphs(head: usize, para: usize, tail: usize, bytes: u64) -> usize {
    let target = usize::try_from(bytes).unwrap_or(usize::MAX).min(50_000_000);
    target.saturating_sub(head + tail) / para
}

/// What the renderer counts in the page served for `title` at about `bytes`, without writing
/// it: its length, its elements and its style rules (the same as [`document`]'s).
pub fn measure(title: &str, bytes: u64) -> (usize, usize, usize) {
    let (head, para, tail) = parts(title);
    let n = paragraphs(head.len(), para.len(), tail.len(), bytes);
    (
        head.len() + n * para.len() + tail.len(),
        element_count(&head) + element_count(tail) + n * element_count(para),
        css_rule_count(&head),
    )
}

/// The page served for `title`, padded with paragraphs to about `bytes`. Its counts come from
/// its parts (the head and the tail counted once, one element per paragraph), so a
/// navigation does not scan the padding it just wrote.
pub fn document(title: &str, bytes: u64) -> Document {
    let (head, para, tail) = parts(title);
    let n = paragraphs(head.len(), para.len(), tail.len(), bytes);
    let mut doc = String::with_capacity(head.len() + n * para.len() + tail.len());
    doc.push_str(&head);
    for _ in 0..n {
        doc.push_str(para);
    }
    doc.push_str(tail);
    Document {
        elements: element_count(&head) + element_count(tail) + n * element_count(para),
        css_rules: css_rule_count(&head),
        html: doc,
    }
}

/// Elements in a document: start tags, not end tags, comments or the doctype.
pub fn element_count(html: &str) -> usize {
    // `split` finds each `<` with a fast byte search; a start tag has a letter right after it.
    html.split('<')
        .skip(1)
        .filter(|rest| rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic))
        .count()
}

/// Style rules in the document's inline stylesheets: one per `{`.
pub fn css_rule_count(html: &str) -> usize {
    let mut n = 0;
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let after = &rest[start + 7..];
        let end = after.find("</style>").unwrap_or(after.len());
        n += after[..end].matches('{').count();
        rest = &after[end..];
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measuring_agrees_with_writing() {
        for bytes in [0, 100, 1_000, 30_000, 30_117, 1_000_000] {
            let d = document("Welcome to www.example.com", bytes);
            assert_eq!(
                measure("Welcome to www.example.com", bytes),
                (
                    d.html.len(),
                    element_count(&d.html),
                    css_rule_count(&d.html)
                ),
                "{bytes}"
            );
            assert_eq!(d.elements, element_count(&d.html));
        }
    }

    #[test]
    fn document_has_the_requested_size_and_counts() {
        let d = document("Example", 30_000);
        assert!(
            d.html.len() <= 30_000 && d.html.len() > 29_000,
            "{}",
            d.html.len()
        );
        assert_eq!(css_rule_count(&d.html), 4);
        assert_eq!(d.css_rules, 4);
        assert_eq!(d.elements, element_count(&d.html), "counted from the parts");
        assert!(d.elements > 200);
        let small = document("x", 0);
        // html, head, meta, title, style, body, h1, button, pre, script
        assert_eq!(element_count(&small.html), 10);
        assert_eq!(small.elements, 10);
    }
}
