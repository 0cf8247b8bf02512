//! Short import names for the web bundle (`cargo xtask shorten-imports`, run by `make build`).
//!
//! wasm-bindgen names each function the module imports from its JavaScript glue after the
//! function it binds plus a hash of 16 hex digits (`__wbg_addEventListener_90e553fdce254421`),
//! and every name is written twice: in the module's import section and as a key of the glue's
//! import object. The hashes do not compress (docs/performance.md has what renaming them saved). This
//! step renames each of them to a short one (`w0`, `w1`, … in base 36) in both files; Binaryen's `--minify-imports` does the same to the module alone.
//!
//! What is read of the module: its sections (WebAssembly core spec §5.5), and of the import
//! section each import's module name, field name and descriptor (§5.5.5), so that it can be
//! written again with the new name. Every other section is copied byte for byte. Only names
//! wasm-bindgen makes (`__wbg_…`, `__wbindgen_…`) are renamed, and each must stand exactly once
//! in the glue as a whole word; anything else is an error and nothing is written. A bundle
//! already shortened has no such names left, so a second run changes nothing.

use std::path::Path;

fn leb(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = *b.get(*at).ok_or("the module ends inside a number")?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err("a number in the module is too long".into());
        }
    }
}

fn put_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `n` bytes from `at`.
fn take<'b>(b: &'b [u8], at: &mut usize, n: u64) -> Result<&'b [u8], String> {
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| at.checked_add(n))
        .filter(|&e| e <= b.len())
        .ok_or("a length in the module runs past its end")?;
    let s = &b[*at..end];
    *at = end;
    Ok(s)
}

/// Skips an import's descriptor (§5.5.5: a function, table, memory, global or tag).
fn skip_descriptor(b: &[u8], at: &mut usize) -> Result<(), String> {
    let kind = *b.get(*at).ok_or("an import without a descriptor")?;
    *at += 1;
    let limits = |at: &mut usize| -> Result<(), String> {
        let flags = leb(b, at)?;
        leb(b, at)?;
        if flags & 1 != 0 {
            leb(b, at)?;
        }
        Ok(())
    };
    match kind {
        // A function or a tag: (a tag's attribute byte, then) a type index.
        0x00 => leb(b, at).map(|_| ()),
        0x04 => {
            *at += 1;
            leb(b, at).map(|_| ())
        }
        // A table: funcref or externref, then limits.
        0x01 => match b.get(*at) {
            Some(0x70 | 0x6f) => {
                *at += 1;
                limits(at)
            }
            _ => Err("a table import of a reference type this step does not know".into()),
        },
        0x02 => limits(at),
        // A global: a number or reference type of one byte, then mutability.
        0x03 => {
            *at += 2;
            Ok(())
        }
        k => Err(format!("an import of unknown kind {k:#x}")),
    }
}

/// A short name for the `i`th import: `w` and `i` in base 36.
fn short_name(mut i: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    loop {
        s.push(digits[i % 36]);
        i /= 36;
        if i == 0 {
            break;
        }
    }
    s.push(b'w');
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn renamed(field: &str) -> bool {
    field.starts_with("__wbg_") || field.starts_with("__wbindgen_")
}

/// (old name, new name) of each import renamed.
pub type Renames = Vec<(String, String)>;

/// The module with wasm-bindgen's import names shortened, and the names.
pub fn shorten_module(wasm: &[u8]) -> Result<(Vec<u8>, Renames), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a WebAssembly module (version 1)".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut names = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)?;
        let body = take(wasm, &mut at, size)?;
        if id != 2 {
            out.push(id);
            put_leb(&mut out, size);
            out.extend_from_slice(body);
            continue;
        }
        let mut k = 0;
        let count = leb(body, &mut k)?;
        let mut section = Vec::new();
        put_leb(&mut section, count);
        for _ in 0..count {
            let len = leb(body, &mut k)?;
            let module = take(body, &mut k, len)?;
            let len = leb(body, &mut k)?;
            let field = std::str::from_utf8(take(body, &mut k, len)?)
                .map_err(|_| "an import name that is not UTF-8")?;
            let start = k;
            skip_descriptor(body, &mut k)?;
            put_leb(&mut section, module.len() as u64);
            section.extend_from_slice(module);
            let name = if renamed(field) {
                let new = short_name(names.len());
                names.push((field.to_string(), new.clone()));
                new
            } else {
                field.to_string()
            };
            put_leb(&mut section, name.len() as u64);
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(
                body.get(start..k)
                    .ok_or("an import runs past its section")?,
            );
        }
        if k != body.len() {
            return Err("the import section has bytes after its imports".into());
        }
        out.push(id);
        put_leb(&mut out, section.len() as u64);
        out.extend_from_slice(&section);
    }
    Ok((out, names))
}

/// The glue with each old name (a whole word, exactly once) replaced by its new one.
pub fn shorten_glue(js: &str, names: &[(String, String)]) -> Result<String, String> {
    let word =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    let mut out = js.to_string();
    for (old, new) in names {
        let places: Vec<usize> = out
            .match_indices(old.as_str())
            .map(|(i, _)| i)
            .filter(|&i| {
                !word(out[..i].chars().next_back()) && !word(out[i + old.len()..].chars().next())
            })
            .collect();
        match places[..] {
            [i] => out.replace_range(i..i + old.len(), new),
            _ => {
                return Err(format!(
                    "the glue has {} places named {old}, where one was expected",
                    places.len()
                ))
            }
        }
    }
    Ok(out)
}

/// Shortens the import names of the one `*_bg.wasm` module in `dir` and of its glue (the `.js`
/// file of the same name without `_bg`).
pub fn shorten_bundle(dir: &Path) -> Result<String, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let modules: Vec<_> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("_bg.wasm"))
        .collect();
    let [module] = &modules[..] else {
        return Err(format!(
            "{}: {} *_bg.wasm modules, where one was expected",
            dir.display(),
            modules.len()
        ));
    };
    let glue = module.with_file_name(
        module
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix("_bg.wasm"))
            .map(|stem| format!("{stem}.js"))
            .unwrap_or_default(),
    );
    let wasm = std::fs::read(module).map_err(|e| format!("{}: {e}", module.display()))?;
    let js = std::fs::read_to_string(&glue).map_err(|e| format!("{}: {e}", glue.display()))?;
    let (wasm2, names) = shorten_module(&wasm)?;
    let js2 = shorten_glue(&js, &names)?;
    std::fs::write(module, &wasm2).map_err(|e| format!("{}: {e}", module.display()))?;
    std::fs::write(&glue, &js2).map_err(|e| format!("{}: {e}", glue.display()))?;
    Ok(format!(
        "{} import names shortened: the module {} → {} bytes, the glue {} → {} bytes",
        names.len(),
        wasm.len(),
        wasm2.len(),
        js.len(),
        js2.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a type, three imports (a wasm-bindgen function, a memory with a maximum, a
    /// function of another module) and an empty custom section after them.
    fn module(first: &str) -> Vec<u8> {
        let mut imports = vec![3];
        for (m, f, desc) in [
            ("./x_bg.js", first, &[0x00, 0x00][..]),
            ("env", "memory", &[0x02, 0x01, 0x01, 0x02][..]),
            ("env", "keep_me", &[0x00, 0x00][..]),
        ] {
            imports.push(m.len() as u8);
            imports.extend_from_slice(m.as_bytes());
            imports.push(f.len() as u8);
            imports.extend_from_slice(f.as_bytes());
            imports.extend_from_slice(desc);
        }
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        m.push(2);
        m.push(imports.len() as u8);
        m.extend_from_slice(&imports);
        m.extend_from_slice(&[0, 2, 1, b'c']);
        m
    }

    #[test]
    fn renames_wasm_bindgen_imports_in_the_module_and_the_glue() {
        let old = "__wbg_addEventListener_90e553fdce254421";
        let (wasm, names) = shorten_module(&module(old)).unwrap();
        assert_eq!(names, [(old.to_string(), "w0".to_string())]);
        assert_eq!(wasm, module("w0"));
        let glue = format!("x={{{old}:function(e){{}},__wbg_add:1}};y.{old}x=2;");
        assert_eq!(
            shorten_glue(&glue, &names).unwrap(),
            "x={w0:function(e){},__wbg_add:1};y.__wbg_addEventListener_90e553fdce254421x=2;"
        );
        // A second run has nothing to rename.
        let (again, none) = shorten_module(&wasm).unwrap();
        assert!(none.is_empty());
        assert_eq!(again, wasm);
    }

    #[test]
    fn short_names_count_in_base_36() {
        assert_eq!(short_name(0), "w0");
        assert_eq!(short_name(35), "wz");
        assert_eq!(short_name(36), "w10");
        assert_eq!(short_name(160), "w4g");
    }

    #[test]
    fn refuses_what_it_cannot_rewrite_safely() {
        let names = [("__wbg_a_1".to_string(), "w0".to_string())];
        assert!(shorten_glue("no such name", &names).is_err());
        assert!(shorten_glue("__wbg_a_1 and __wbg_a_1", &names).is_err());
        assert!(shorten_module(b"\0asm\x02\0\0\0").is_err());
        let mut cut = module("__wbg_a_1");
        cut.truncate(cut.len() - 8);
        assert!(shorten_module(&cut).is_err());
    }
}
