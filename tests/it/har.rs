//! HAR export: every page preset written as HAR 1.2 has the structure the format requires
//! (<http://www.softwareishard.com/blog/har-12-spec/>), and its numbers agree with the load.

use serde_json::Value;
use wirewalk::model::{har, load, pages, scenario::VISIT_UNIX_TIME};

fn obj<'v>(v: &'v Value, path: &str) -> &'v serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{path} is an object: {v}"))
}

fn string(v: &Value, key: &str, path: &str) {
    assert!(v[key].is_string(), "{path}.{key} is a string: {v}");
}

fn number(v: &Value, key: &str, path: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{path}.{key} is a number: {v}"))
}

fn name_values(v: &Value, path: &str) {
    for (i, h) in v
        .as_array()
        .unwrap_or_else(|| panic!("{path} is an array"))
        .iter()
        .enumerate()
    {
        string(h, "name", &format!("{path}[{i}]"));
        string(h, "value", &format!("{path}[{i}]"));
    }
}

fn iso_8601(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn every_page_preset_exports_as_valid_har() {
    for name in pages::NAMES {
        let sc = pages::preset(name).expect("a preset");
        let l = load::run(&sc).expect("it loads");
        let log = har::export(&sc, &l, VISIT_UNIX_TIME);
        let text = serde_json::to_string(&log).expect("serializes");
        // The same load writes the same file.
        assert_eq!(
            text,
            serde_json::to_string(&har::export(&sc, &load::run(&sc).unwrap(), VISIT_UNIX_TIME))
                .unwrap()
        );
        let log = &log["log"];
        obj(log, "log");
        assert_eq!(log["version"], "1.2");
        string(&log["creator"], "name", "creator");
        string(&log["creator"], "version", "creator");
        let pages = log["pages"].as_array().expect("pages");
        assert_eq!(pages.len(), 1);
        for key in ["startedDateTime", "id", "title"] {
            string(&pages[0], key, "pages[0]");
        }
        obj(&pages[0]["pageTimings"], "pageTimings");
        let entries = log["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), l.requests.len(), "{name}");
        for (e, r) in entries.iter().zip(&l.requests) {
            let path = format!("{name} entry #{}", r.id);
            assert_eq!(e["pageref"], pages[0]["id"]);
            assert!(
                iso_8601(e["startedDateTime"].as_str().unwrap_or("")),
                "{path}: {}",
                e["startedDateTime"]
            );
            let time = number(e, "time", &path);
            let req = &e["request"];
            for key in ["method", "url", "httpVersion"] {
                string(req, key, &path);
            }
            name_values(&req["headers"], &format!("{path} request.headers"));
            name_values(&req["queryString"], &format!("{path} request.queryString"));
            assert!(req["cookies"].is_array());
            number(req, "headersSize", &path);
            number(req, "bodySize", &path);
            let resp = &e["response"];
            number(resp, "status", &path);
            for key in ["statusText", "httpVersion", "redirectURL"] {
                string(resp, key, &path);
            }
            name_values(&resp["headers"], &format!("{path} response.headers"));
            assert!(resp["cookies"].is_array());
            number(&resp["content"], "size", &path);
            string(&resp["content"], "mimeType", &path);
            number(resp, "headersSize", &path);
            number(resp, "bodySize", &path);
            obj(&e["cache"], "cache");
            let t = &e["timings"];
            let mut sum = 0.0;
            for key in ["blocked", "dns", "connect", "send", "wait", "receive"] {
                let v = number(t, key, &path);
                assert!(v >= 0.0 || v == -1.0, "{path}: timings.{key} = {v}");
                if v > 0.0 {
                    sum += v;
                }
            }
            let ssl = number(t, "ssl", &path);
            assert!(
                ssl == -1.0 || ssl <= number(t, "connect", &path),
                "{path}: connect includes ssl"
            );
            assert!(
                (sum - time).abs() < 0.002,
                "{path}: the timings add up to time ({sum} against {time})"
            );
            assert_eq!(r.status as f64, number(resp, "status", &path));
            match r.connection {
                Some(c) if !r.memory_cache => assert_eq!(e["connection"], c.to_string()),
                _ => {}
            }
            if r.reused {
                for key in ["dns", "connect", "ssl"] {
                    assert_eq!(t[key], -1.0, "{path}: a reused connection has no {key}");
                }
            }
        }
    }
}

#[test]
fn many_images_show_six_connections_in_the_har() {
    let sc = pages::preset("many-images").unwrap();
    let log = har::export(&sc, &load::run(&sc).unwrap(), VISIT_UNIX_TIME);
    let mut ids: Vec<&str> = log["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["connection"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "{ids:?}");
    let first = &log["log"]["entries"][0];
    assert_eq!(first["startedDateTime"], "2026-11-21T22:26:40.000Z");
    assert!(first["timings"]["dns"].as_f64() > Some(0.0));
}
