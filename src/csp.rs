//! The served page's Content-Security-Policy, applied to the bundle Trunk built.
//!
//! Trunk starts the app with an inline module script. [`secure_bundle`] moves that script into
//! a file of its own (`start-<hash>.js`), so the policy needs no inline script at all, and adds
//! the policy to `index.html` as a `<meta>` element, which works on any static host:
//!
//! - `script-src 'self' 'wasm-unsafe-eval'`: the bundle's own scripts, and compiling its
//!   WebAssembly module; no inline script, no `eval`, no other origin.
//! - `style-src 'self'` with `style-src-attr 'unsafe-inline'`: the stylesheet, and the `style`
//!   attributes the views set for positions and widths (Yew writes them as attributes). No
//!   `<style>` element is allowed.
//! - `connect-src 'self'` (the module is fetched), `img-src 'self'` (the icon), `default-src
//!   'none'` for everything else, `base-uri 'none'` and `form-action 'none'`.
//!
//! `frame-ancestors` cannot be set from a `<meta>` element; wirewalk is meant to be embedded.

use std::path::Path;

pub const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'; connect-src 'self'; \
base-uri 'none'; form-action 'none'";

/// FNV-1a, 64 bits: a name that changes with the content, for caching (not for security).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Rewrites `index.html` in `dir` as the module says; a second run changes nothing.
pub fn secure_bundle(dir: &Path) -> Result<String, String> {
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let (html, moved) = match extract_inline_module(&html) {
        Some((before, script, after)) => {
            let name = format!("start-{:016x}.js", fnv(script.as_bytes()));
            std::fs::write(dir.join(&name), script)
                .map_err(|e| format!("cannot write {name}: {e}"))?;
            (
                format!("{before}<script type=\"module\" src=\"./{name}\"></script>{after}"),
                Some(name),
            )
        }
        None => (html, None),
    };
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\" />");
    let html = if html.contains("http-equiv=\"Content-Security-Policy\"") {
        html
    } else {
        // First in <head>, before anything it governs. Minified HTML leaves out the optional
        // <head> tag: then right after <meta charset>, which must come first.
        let at = match html.find("<head>") {
            Some(i) => i + "<head>".len(),
            None => {
                let charset = html
                    .find("<meta charset")
                    .ok_or("index.html has neither <head> nor <meta charset>")?;
                charset
                    + html[charset..]
                        .find('>')
                        .ok_or("index.html: <meta charset is not closed")?
                    + 1
            }
        };
        format!("{}\n    {meta}{}", &html[..at], &html[at..])
    };
    if html.contains("<script>") || extract_inline_module(&html).is_some() {
        return Err("index.html still has an inline script".into());
    }
    std::fs::write(&index, &html).map_err(|e| format!("cannot write index.html: {e}"))?;
    Ok(match moved {
        Some(name) => format!("moved the start script to {name}; policy: {POLICY}"),
        None => format!("no inline script; policy: {POLICY}"),
    })
}

/// Splits `html` around the body of its first inline `<script type="module">`.
fn extract_inline_module(html: &str) -> Option<(&str, &str, &str)> {
    let (start, open) = ["<script type=\"module\">", "<script type=module>"]
        .iter()
        .filter_map(|open| Some((html.find(open)?, open.len())))
        .min()?;
    let body = start + open;
    let end = body + html[body..].find("</script>")?;
    Some((
        &html[..start],
        &html[body..end],
        &html[end + "</script>".len()..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_the_inline_start_script_and_adds_the_policy() {
        let dir = std::env::temp_dir().join(format!("wirewalk-csp-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let page = "<!DOCTYPE html><html><head><title>t</title>\n<script type=\"module\">\nimport init from '/a.js';\nawait init();\n</script>\n</head><body></body></html>";
        std::fs::write(dir.join("index.html"), page).unwrap_or_default();
        assert!(secure_bundle(&dir).is_ok());
        let out = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
        assert!(out.contains("<head>\n    <meta http-equiv=\"Content-Security-Policy\""));
        assert!(!out.contains("import init"));
        let name = format!(
            "start-{:016x}.js",
            fnv(b"\nimport init from '/a.js';\nawait init();\n")
        );
        assert!(out.contains(&format!("src=\"./{name}\"")), "{out}");
        assert!(std::fs::read_to_string(dir.join(&name))
            .unwrap_or_default()
            .contains("await init()"));
        // A second run leaves it as it is.
        assert!(secure_bundle(&dir).is_ok());
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap_or_default(),
            out
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn minified_html_without_a_head_tag() {
        let dir = std::env::temp_dir().join(format!("wirewalk-csp-min-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let page = "<!doctype html><html lang=en><meta charset=utf-8><title>t</title><script type=module>import init from '/a.js';</script><body>";
        std::fs::write(dir.join("index.html"), page).unwrap_or_default();
        assert_eq!(
            secure_bundle(&dir).map(|m| m.starts_with("moved the start script")),
            Ok(true)
        );
        let out = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
        assert!(
            out.starts_with("<!doctype html><html lang=en><meta charset=utf-8>\n    <meta http-equiv=\"Content-Security-Policy\""),
            "{out}"
        );
        assert!(!out.contains("import init"), "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
