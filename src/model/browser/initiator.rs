//! Who starts a navigation: the user typing into the address bar, a click on a link, or a
//! form submitted with POST. The page the link or the form is on is the navigation's initiator,
//! and what reaches the server differs (each as a loopback server received it from Debian's
//! Chromium 156 after a trusted click, 2026-12-04):
//!
//! - **typed**: no initiator: `Sec-Fetch-Site: none`, no `Referer`, no `Origin`.
//! - **a link**: here the link is on the default search engine's results page, as when someone
//!   clicks a search result. `Sec-Fetch-Site` compares the target with that page
//!   (`cross-site`), `Sec-Fetch-User: ?1` says a user activation started it, and `Referer` is
//!   written under the default policy, strict-origin-when-cross-origin (the results page's
//!   origin alone). HTTPS-Upgrades still upgrades an `http://` link: only a typed `http://` is
//!   kept.
//! - **a form with POST**: here the form is on the target site's own home page (an order form
//!   with the fields `item=42&qty=1`). The request is `POST` with its body
//!   (`Content-Type: application/x-www-form-urlencoded`, `Content-Length`), an `Origin`, and
//!   `Cache-Control: max-age=0`; HTTPS-Upgrades does not touch it (it upgrades GET navigations
//!   only, `HttpsUpgradesInterceptor::MaybeCreateLoaderOnHstsQueryCompleted`); the HTTP cache
//!   lets an unsafe method through (RFC 9111 §4.4). A server that follows Post/Redirect/Get
//!   answers `303 See Other`, and the browser asks for the `Location` with GET (RFC 9110
//!   §15.4.4), still with `Cache-Control: max-age=0`, so a stored copy is revalidated, not
//!   reused.
//!
//! Left out: the renderer's side before the browser process starts the navigation (the click's
//! event dispatch, `beforeunload`), `target=_blank` and `rel=noopener`, forms with GET (a link
//! with a query string does the same), multipart bodies, a form's `Referrer-Policy`.

use crate::model::omnibox::Engine;
use crate::model::step::steps;
use crate::model::time::Instant;
use crate::model::trace::{Actor, Event};
use serde::{Deserialize, Serialize};

/// How the navigation starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// Typed into the address bar.
    #[default]
    Typed,
    /// A click on a link on the search engine's results page.
    Link,
    /// A form on the site's home page, submitted with POST.
    Form,
}

/// The form's fields, `application/x-www-form-urlencoded`.
pub const FORM_FIELDS: &str = "item=42&qty=1";

impl Start {
    pub const ALL: [Start; 3] = [Start::Typed, Start::Link, Start::Form];

    /// The name in links, scenario files and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Start::Typed => "typed",
            Start::Link => "link",
            Start::Form => "form",
        }
    }

    pub fn parse(s: &str) -> Option<Start> {
        Start::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the app's knob says.
    pub fn label(self) -> &'static str {
        match self {
            Start::Typed => "typed into the address bar",
            Start::Link => "a click on a search result",
            Start::Form => "a form sent with POST",
        }
    }

    /// The page the click happens on, for a navigation to `target`: the search engine's
    /// results page for the target's host, or the target site's home page; none when typed.
    pub fn page(self, target: &::url::Url, engine: Engine) -> Option<::url::Url> {
        match self {
            Start::Typed => None,
            Start::Link => ::url::Url::parse(&engine.search_url(target.host_str()?)).ok(),
            Start::Form => target.join("/").ok(),
        }
    }

    /// The navigation's first request's method.
    pub fn method(self) -> &'static str {
        match self {
            Start::Form => "POST",
            Start::Typed | Start::Link => "GET",
        }
    }
}

/// The navigation's first step when a link or a form starts it: what the user did, on which
/// page, and what that makes the request.
pub fn start_event(start: Start, page: &::url::Url, to: &str) -> Event {
    let (step, title) = match start {
        Start::Form => (
            steps::NAV_FORM,
            format!("the user sends the form on {page}: POST {to}"),
        ),
        Start::Typed | Start::Link => (
            steps::NAV_LINK,
            format!("the user clicks a link to {to} on {page}"),
        ),
    };
    let mut e = Event::new(Instant::ZERO, Actor::Browser, step, title)
        .field("page", page.as_str())
        .field("initiator", page.origin().ascii_serialization())
        .field("user_activation", "a click: Sec-Fetch-User: ?1");
    if start == Start::Form {
        e = e.field("method", "POST").field(
            "body",
            format!("{FORM_FIELDS} ({} bytes)", FORM_FIELDS.len()),
        );
    }
    e
}

/// The header lines a navigation to `to` adds for its initiator `page` (none when typed), its
/// `method` being the hop's: `Referer` under strict-origin-when-cross-origin; for a form's,
/// `Cache-Control: max-age=0`, and with POST its body's fields and `Origin`.
pub fn header_lines(
    start: Start,
    page: Option<&::url::Url>,
    to: &::url::Url,
    method: &str,
) -> Vec<String> {
    let Some(page) = page else {
        return vec![];
    };
    let from = page.origin().ascii_serialization();
    let mut lines = Vec::new();
    if start == Start::Form {
        if method == "POST" {
            lines.push(format!("Content-Length: {}", FORM_FIELDS.len()));
        }
        lines.push("Cache-Control: max-age=0".to_string());
        if method == "POST" {
            lines.push("Content-Type: application/x-www-form-urlencoded".to_string());
            lines.push(format!("Origin: {from}"));
        }
    }
    let page_url = page.as_str();
    if let Some(r) =
        crate::model::http::referer(page_url, &from, &to.origin().ascii_serialization())
    {
        lines.push(format!("Referer: {r}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> ::url::Url {
        ::url::Url::parse(s).unwrap()
    }

    #[test]
    fn a_link_on_search_results_sends_the_engine_origin_as_referer() {
        let to = url("https://www.example.com/");
        let page = Start::Link.page(&to, Engine::Google).unwrap();
        assert_eq!(page.host_str(), Some("www.google.com"));
        assert_eq!(
            header_lines(Start::Link, Some(&page), &to, "GET"),
            ["Referer: https://www.google.com/"]
        );
        assert!(header_lines(Start::Typed, None, &to, "GET").is_empty());
    }

    #[test]
    fn a_form_posts_its_fields_with_origin_then_gets_without() {
        let to = url("https://shop.example/order");
        let page = Start::Form.page(&to, Engine::Google).unwrap();
        assert_eq!(page.as_str(), "https://shop.example/");
        assert_eq!(
            header_lines(Start::Form, Some(&page), &to, "POST"),
            [
                "Content-Length: 13",
                "Cache-Control: max-age=0",
                "Content-Type: application/x-www-form-urlencoded",
                "Origin: https://shop.example",
                "Referer: https://shop.example/",
            ]
        );
        assert_eq!(
            header_lines(Start::Form, Some(&page), &to, "GET"),
            ["Cache-Control: max-age=0", "Referer: https://shop.example/"]
        );
        assert_eq!(Start::parse("form"), Some(Start::Form));
        assert_eq!(Start::parse("Form"), None);
    }
}
