//! The navigation's start and its second chance: the typed text through the omnibox, HSTS and
//! HTTPS-Upgrades ([`crate::model::https_upgrades`]) to the document's first request, and the
//! fallback to `http://` when an upgraded https attempt fails.
//!
//! The internal redirects are steps of the document's request, at its start; DevTools draws
//! each as a row of its own (`307 Internal Redirect`), which the waterfall here leaves out. A
//! fallback is a new document request, a row of its own, as in DevTools.

use super::*;
use crate::model::https_upgrades::{self, Upgrade};
use crate::model::omnibox::{self, Typed};

/// Where the navigation goes, decided before the load starts.
pub struct Nav {
    /// What was typed, as the omnibox sees it.
    pub typed: Typed,
    /// The URL the omnibox gave, parsed.
    pub first: url::Parsed,
    /// What turned it into https, if anything.
    pub upgrade: Option<Upgrade>,
    /// The URL of the document's first request.
    pub target: url::Parsed,
}

impl Nav {
    /// The navigation for the scenario's URL (typed text), or why there is none.
    pub fn plan(text: &str, situation: &Situation) -> Result<Nav, String> {
        let typed = omnibox::classify(text, situation.engine);
        let Some(u) = typed.url() else {
            return Err("the document URL \"\" is not valid: nothing was typed".into());
        };
        let first = url::parse(u, None).map_err(|e| {
            format!(
                "the document URL \"{}\" is not valid: {}",
                short(text),
                e.message
            )
        })?;
        let scheme = first.getters.protocol.trim_end_matches(':');
        if !matches!(scheme, "http" | "https") {
            return Err(format!(
                "the document URL must be http or https, not {scheme}:"
            ));
        }
        let schemeless = matches!(
            typed.action,
            omnibox::Action::Navigate {
                schemeless: true,
                ..
            }
        );
        let hsts = situation.hsts.state_for(&first.getters.hostname);
        let upgrade = https_upgrades::decide(&first, schemeless, &hsts, situation.https_upgrades)
            .ok()
            .filter(|_| https_upgrades::to_https(&first).is_some());
        let target = match upgrade {
            Some(_) => https_upgrades::to_https(&first).unwrap_or_else(|| first.clone()),
            None => first.clone(),
        };
        Ok(Nav {
            typed,
            first,
            upgrade,
            target,
        })
    }

    /// HTTPS-Upgrades keeps the `http://` URL for a fallback.
    pub fn fallback(&self) -> Option<&url::Parsed> {
        (self.upgrade == Some(Upgrade::HttpsUpgrades)).then_some(&self.first)
    }
}

impl Sim<'_> {
    /// The document's first request, with the address bar's steps before it.
    pub(super) fn start_navigation(&mut self, text: &str, nav: &Nav) {
        let Some(doc) = self.document_request(&nav.target, "the typed URL", Instant::ZERO) else {
            return;
        };
        if !nav.typed.is_plain_url() {
            self.push_request(doc, https_upgrades::omnibox_event(text, &nav.typed));
        }
        self.push_request(
            doc,
            navigation::parse_event(text_for(text, nav), Ok(&nav.first)),
        );
        if let Some(up) = &nav.upgrade {
            let e = https_upgrades::upgrade_event(&nav.first, &nav.target, up);
            self.push_request(doc, e);
        }
        self.fallback = nav.fallback().cloned();
        self.schedule(Instant::ZERO, Ev::Issue(doc));
    }

    /// A new request for the page's document at `u`, from `t`: the page's URL and origin
    /// become its own.
    fn document_request(&mut self, u: &url::Parsed, why: &str, t: Instant) -> Option<usize> {
        let parsed = ::url::Url::parse(&u.getters.href).ok()?;
        self.doc_url = u.clone();
        self.page_origin = u.origin.clone();
        self.page_origin_s = u.origin.serialize().into();
        let doc = self.new_request(
            parsed,
            Dest::Fetch(Destination::Document),
            Priority::Highest,
            why.into(),
            "GET".into(),
            vec![],
            true,
            t,
        )?;
        self.doc = doc;
        Some(doc)
    }

    /// The document's request `r` failed at `t` with `error`: when it was an upgraded https
    /// attempt, HTTPS-Upgrades redirects back to `http://` and the document is requested
    /// again. True when it did.
    pub(super) fn fall_back(&mut self, t: Instant, r: usize, error: &str) -> bool {
        if r != self.doc {
            return false;
        }
        let Some(http) = self.fallback.take() else {
            return false;
        };
        self.push_request(r, https_upgrades::fallback_event(t, error, &http));
        self.fail(t, r, error);
        if let Some(doc) = self.document_request(&http, "HTTPS-Upgrades' fallback to http", t) {
            self.schedule(t, Ev::Issue(doc));
        }
        true
    }
}

/// The text `url.parse` shows as typed: the text itself, or the URL the omnibox made of it.
fn text_for<'a>(text: &'a str, nav: &'a Nav) -> &'a str {
    if nav.typed.is_plain_url() {
        text
    } else {
        &nav.first.getters.href
    }
}
