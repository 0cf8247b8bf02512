//! The SVG exports: well-formed XML for every preset, one row per event or request, and no text
//! that becomes markup.

use wirewalk::model::{journey, load, pages, scenario};
use wirewalk::svg;

/// A small well-formedness check: every tag closes in order, attribute values are quoted, and
/// `&` only starts an entity.
fn well_formed(doc: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = doc;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        for (i, _) in text.match_indices('&') {
            let ent = &text[i..];
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| ent.starts_with(e))
            {
                return Err(format!("a bare & in {:?}", &text[..text.len().min(60)]));
            }
        }
        let gt = rest[lt..].find('>').ok_or("an unclosed tag")? + lt;
        let tag = &rest[lt + 1..gt];
        if tag.contains('<') {
            return Err(format!("< inside a tag: {tag}"));
        }
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("an unbalanced quote: {tag}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or(""));
        }
        rest = &rest[gt + 1..];
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("left open: {stack:?}"))
    }
}

#[test]
fn every_journey_draws_a_well_formed_sequence_diagram() {
    for (name, sc) in scenario::presets() {
        let j = journey::run(&sc);
        let last = j.trace.events.len().saturating_sub(1);
        let doc = svg::sequence(&j.trace, last, &sc.url);
        well_formed(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(
            doc.matches(" ms</text>").count(),
            j.trace.events.len(),
            "{name}: one row per event"
        );
        // Up to a step: only that many rows.
        let part = svg::sequence(&j.trace, 2, &sc.url);
        assert_eq!(
            part.matches(" ms</text>").count(),
            3.min(j.trace.events.len())
        );
    }
}

#[test]
fn every_page_draws_a_well_formed_waterfall() {
    for name in pages::NAMES {
        let l = load::run(&pages::preset(name).unwrap()).unwrap();
        let doc = svg::waterfall(&l, &l.url);
        well_formed(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bars: usize = l.requests.iter().map(|r| r.phases.len()).sum();
        assert_eq!(
            doc.matches("<rect x=").count() - 8,
            bars,
            "{name}: a bar per phase (and 8 legend keys)"
        );
    }
}

#[test]
fn text_stays_text() {
    let hostile = "x\"><script>alert('1')</script>&amp;\u{1}";
    let e = svg::escape(hostile);
    assert_eq!(
        e,
        "x&quot;&gt;&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;amp;\u{FFFD}"
    );
    let j = journey::run(&scenario::Scenario::default());
    let doc = svg::sequence(&j.trace, 0, hostile);
    well_formed(&doc).unwrap();
    assert!(!doc.contains("<script"));
}

/// The same page over HTTP/1.1, HTTP/2 and HTTP/3 in one picture (`wirewalk page --compare
/// --svg`): well formed, a panel and a row per request for each load.
#[test]
fn the_three_waterfalls_share_one_picture() {
    let sc = wirewalk::model::pages::preset("many-images").expect("preset");
    let loads: Vec<(
        wirewalk::model::load::Protocol,
        wirewalk::model::load::PageLoad,
    )> = wirewalk::model::load::over_each_protocol(&sc)
        .into_iter()
        .map(|(p, l)| (p, l.expect("loads")))
        .collect();
    let panels: Vec<(&str, &wirewalk::model::load::PageLoad)> =
        loads.iter().map(|(p, l)| (p.name(), l)).collect();
    let doc = svg::waterfalls(&panels, "many-images");
    well_formed(&doc).unwrap_or_else(|e| panic!("{e}"));
    for (name, l) in &panels {
        assert!(doc.contains(&format!("{name} <tspan")), "{name}");
        assert_eq!(
            doc.matches("#1 </tspan>").count(),
            panels.len(),
            "each panel starts at request 1"
        );
        assert!(l.requests.len() > 1);
    }
}
