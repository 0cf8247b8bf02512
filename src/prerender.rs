//! Where the first screen, rendered at build time (`wirewalk-prerender`, `src/bin/prerender.rs`,
//! built with `--features ssr`), goes in the bundle's `index.html`: first in `<body>`, which is
//! marked so the app knows to hydrate it (`ui::start`). Pure text work, tested natively.

/// The attribute on `<body>` while it holds the prerendered first screen (the app removes it
/// once it has taken the page over; `static/style.css` hides markup that does not match the
/// view while it is there).
pub const PRERENDERED: &str = "data-prerendered";

/// Ends the prerendered markup, so that a second run replaces it (a comment: hydration leaves
/// the nodes after the app's own to be removed).
const END: &str = "<!--/prerendered-->";

/// `page` with `body` as the first thing in its `<body>`, which gets the marker; a page already
/// prerendered has its old markup replaced.
pub fn insert(page: &str, body: &str) -> Result<String, String> {
    let start = page.find("<body").ok_or("no <body>")?;
    let open_end = start + page[start..].find('>').ok_or("<body is not closed")? + 1;
    // What follows the prerendered markup: the page's own content (its <noscript>).
    let rest = &page[open_end..];
    let rest = rest.find(END).map_or(rest, |i| &rest[i + END.len()..]);
    Ok(format!(
        "{}<body {PRERENDERED}>{body}{END}{rest}",
        &page[..start]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!doctype html><html><head><title>t</title></head><body><noscript>needs JS</noscript></body></html>";

    #[test]
    fn the_markup_goes_first_in_the_body_and_a_second_run_replaces_it() {
        let once = insert(PAGE, "<header>one</header>").unwrap();
        assert_eq!(
            once,
            "<!doctype html><html><head><title>t</title></head><body data-prerendered><header>one</header><!--/prerendered--><noscript>needs JS</noscript></body></html>"
        );
        let twice = insert(&once, "<header>two</header>").unwrap();
        assert_eq!(twice, once.replace("one", "two"));
    }

    #[test]
    fn a_page_without_a_body_is_refused() {
        assert_eq!(insert("<html></html>", "x"), Err("no <body>".to_string()));
        assert_eq!(
            insert("<html><body", "x"),
            Err("<body is not closed".to_string())
        );
    }
}
