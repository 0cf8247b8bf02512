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
            let script = &take_early_module(script);
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
    let html = refresh_integrity(&html, dir)?;
    if html.contains("<script>") || extract_inline_module(&html).is_some() {
        return Err("index.html still has an inline script".into());
    }
    std::fs::write(&index, &html).map_err(|e| format!("cannot write index.html: {e}"))?;
    Ok(match moved {
        Some(name) => format!("moved the start script to {name}; policy: {POLICY}"),
        None => format!("no inline script; policy: {POLICY}"),
    })
}

/// `sha384-<base64>` of `bytes`: a Subresource Integrity value (W3C SRI §3.1).
fn sri(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
    )
}

/// Rewrites every `integrity` value in `html` to the hash of the file its tag names (`href` or
/// `src`, relative to `dir`): the JavaScript is minified after Trunk wrote the hashes.
fn refresh_integrity(html: &str, dir: &Path) -> Result<String, String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("integrity=") {
        let tag_start = rest[..at]
            .rfind('<')
            .ok_or("an integrity attribute outside a tag")?;
        let tag_end = at + rest[at..].find('>').ok_or("an unclosed tag")?;
        let tag = &rest[tag_start..tag_end];
        let target = ["href=", "src="]
            .iter()
            .find_map(|a| attr_value(tag, a))
            .ok_or("a tag with an integrity attribute but no href or src")?;
        let file = dir.join(target.trim_start_matches("./").trim_start_matches('/'));
        let bytes =
            std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let value_start = at + "integrity=".len();
        let quoted = rest[value_start..].starts_with('"');
        let value_end = if quoted {
            value_start
                + 1
                + rest[value_start + 1..]
                    .find('"')
                    .ok_or("an unclosed quote")?
                + 1
        } else {
            value_start
                + rest[value_start..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .ok_or("an unclosed tag")?
        };
        out.push_str(&rest[..value_start]);
        out.push('"');
        out.push_str(&sri(&bytes));
        out.push('"');
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of attribute `name` (with its `=`) in a tag's text, quoted or not.
fn attr_value<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let at = tag
        .match_indices(name)
        .find(|(i, _)| tag[..*i].ends_with(|c: char| c.is_ascii_whitespace()))?
        .0
        + name.len();
    let v = &tag[at..];
    match v.strip_prefix('"') {
        Some(q) => q.split('"').next(),
        None => v
            .split(|c: char| c.is_ascii_whitespace() || c == '>')
            .next(),
    }
}

/// The start script given the module `static/early.js` began compiling while the page was
/// parsed (`window.__wirewalkModule`, a promise of a `WebAssembly.Module`, or of `null`), or
/// its file when there is none: Trunk's `init({ module_or_path: '…' })` takes either.
fn take_early_module(script: &str) -> String {
    const KEY: &str = "module_or_path:";
    let Some(at) = script.find(KEY) else {
        return script.to_string();
    };
    let rest = script[at + KEY.len()..].trim_start();
    if rest.starts_with("(await window.__wirewalkModule)") {
        return script.to_string();
    }
    let start = script.len() - rest.len();
    format!(
        "{}(await window.__wirewalkModule)||{}",
        &script[..start],
        &script[start..]
    )
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
    fn the_start_script_takes_the_module_compiled_early() {
        let trunk = "const wasm = await init({ module_or_path: './w_bg.wasm' });";
        let once = take_early_module(trunk);
        assert_eq!(
            once,
            "const wasm = await init({ module_or_path: (await window.__wirewalkModule)||'./w_bg.wasm' });"
        );
        assert_eq!(take_early_module(&once), once);
        assert_eq!(take_early_module("await init();"), "await init();");
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

    #[test]
    fn integrity_follows_the_files() {
        let dir = std::env::temp_dir().join(format!("wirewalk-csp-sri-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(dir.join("a.js"), "export default 1;").unwrap_or_default();
        std::fs::write(dir.join("b.css"), "p{}").unwrap_or_default();
        let page = "<meta charset=utf-8><link crossorigin href=/a.js integrity=sha384-old rel=modulepreload><link href=\"./b.css\" integrity=\"sha384-old\" rel=stylesheet>";
        let out = refresh_integrity(page, &dir).unwrap_or_default();
        // `openssl dgst -sha384 -binary | base64` of the two files.
        assert!(out.contains("href=/a.js integrity=\"sha384-"), "{out}");
        assert!(!out.contains("sha384-old"), "{out}");
        assert_eq!(out.matches("integrity=\"sha384-").count(), 2, "{out}");
        assert!(out.contains(&sri(b"export default 1;")));
        assert!(out.contains(&sri(b"p{}")));
        // A file that is missing is an error, not a stale hash.
        assert!(refresh_integrity("<link href=/gone.js integrity=x>", &dir).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sri_is_sha384_in_base64() {
        // FIPS 180-2's "abc" example, SHA-384, in base64.
        assert_eq!(
            sri(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }
}
