//! The navigation's start and its second chance: the typed text through the omnibox (or the
//! link clicked, or the form sent: [`crate::model::initiator`]), HSTS and HTTPS-Upgrades
//! ([`crate::model::https_upgrades`]) to the document's first request, and the fallback to
//! `http://` when an upgraded https attempt fails.
//!
//! The internal redirects are steps of the document's request, at its start; DevTools draws
//! each as a row of its own (`307 Internal Redirect`), which the waterfall here leaves out. A
//! fallback is a new document request, a row of its own, as in DevTools.

use super::*;
use crate::model::https_upgrades::{self, Upgrade};
use crate::model::initiator::{self, Start};
use crate::model::omnibox::{self, Typed};
use crate::model::predictor;
use crate::model::redirect;

/// Where the navigation goes, decided before the load starts.
pub struct Nav {
    /// What was typed, as the omnibox sees it.
    pub typed: Typed,
    /// The URL the omnibox gave, parsed.
    pub first: url::Parsed,
    /// What turned it into https, if anything; or why HTTPS-Upgrades left an `http://` URL
    /// alone.
    pub upgrade: Option<Upgrade>,
    pub exempt: Option<https_upgrades::Exempt>,
    /// The URL of the document's first request.
    pub target: url::Parsed,
    /// What the browser knows of HSTS at the start: the situation's knob for the host, and
    /// what an earlier visit learned.
    pub hsts: crate::model::hsts::State,
    /// How the navigation starts, and the page the link or the form is on.
    pub start: Start,
    pub initiator: Option<::url::Url>,
}

impl Nav {
    /// The navigation for the scenario's URL (typed text), or why there is none; `learned` is
    /// what an earlier visit taught the browser about HSTS.
    pub fn plan(
        text: &str,
        situation: &Situation,
        learned: &crate::model::hsts::State,
    ) -> Result<Nav, String> {
        let typed = omnibox::classify(text, situation.engine);
        let start = situation.start;
        let Some(u) = typed.url() else {
            return Err("the document URL \"\" is not valid: nothing was typed".into());
        };
        if start != Start::Typed && !typed.is_plain_url() {
            return Err(format!(
                "{} goes to a whole URL: give \"{}\" with its scheme (https://…)",
                if start == Start::Link {
                    "a link"
                } else {
                    "a form"
                },
                short(text)
            ));
        }
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
        let mut hsts = situation.hsts.state_for(&first.getters.hostname);
        hsts.merge(learned);
        // Only a typed `http://` is kept as it is; a form's POST is never upgraded.
        let typed_http = start == Start::Typed && !schemeless;
        let get = start.method() == "GET";
        let decision =
            https_upgrades::decide(&first, typed_http, get, &hsts, situation.https_upgrades);
        let exempt = decision.clone().err().flatten();
        // The https URL, once: an upgrade only where it can be written.
        let https = decision
            .as_ref()
            .ok()
            .and_then(|_| https_upgrades::to_https(&first));
        let upgrade = decision.ok().filter(|_| https.is_some());
        let target = https.unwrap_or_else(|| first.clone());
        let initiator = ::url::Url::parse(&target.getters.href)
            .ok()
            .and_then(|t| start.page(&t, situation.engine));
        Ok(Nav {
            typed,
            first,
            upgrade,
            exempt,
            target,
            hsts,
            start,
            initiator,
        })
    }

    /// The URL the browser preconnects as the navigation starts ([`crate::model::predictor`]):
    /// the navigation's own URL, which HSTS makes https (`NetworkContext::PreconnectSockets`
    /// starts with `GetHSTSRedirect`, services/network/network_context.cc) but HTTPS-Upgrades
    /// does not: its upgrade is a redirect in the navigation's loader, after the preconnect,
    /// so an upgraded `http://` navigation preconnects port 80 (a Chromium 156 on loopback,
    /// sent to `http://www.example.org/` with HTTPS-Upgrades on, opened two plain connections
    /// that carried nothing, then the https one).
    pub fn preconnect_url(&self) -> &url::Parsed {
        match self.upgrade {
            Some(Upgrade::Hsts(_)) => &self.target,
            _ => &self.first,
        }
    }

    /// HTTPS-Upgrades keeps the `http://` URL for a fallback.
    pub fn fallback(&self) -> Option<&url::Parsed> {
        (self.upgrade == Some(Upgrade::HttpsUpgrades)).then_some(&self.first)
    }
}

impl Sim<'_> {
    /// The document's first request, with the address bar's steps before it.
    pub(super) fn start_navigation(&mut self, text: &str, nav: &Nav) {
        let why = match nav.start {
            Start::Typed => "the typed URL",
            Start::Link => "the link clicked",
            Start::Form => "the form sent",
        };
        let method = nav.start.method();
        let Some(doc) = self.document_request(&nav.target, why, method, false, Instant::ZERO)
        else {
            return;
        };
        if let Some(page) = &nav.initiator {
            let e = initiator::start_event(nav.start, page, &nav.first.getters.href);
            self.push_request(doc, e);
        }
        if !nav.typed.is_plain_url() {
            self.push_request(doc, https_upgrades::omnibox_event(text, &nav.typed));
        }
        let mut parse = navigation::parse_event(text_for(text, nav), Ok(&nav.first));
        if let Some(why) = nav.exempt {
            // An http:// URL HTTPS-Upgrades leaves alone: the parse says why.
            parse = parse.field("https_upgrades", format!("not tried: {}", why.describe()));
        }
        self.push_request(doc, parse);
        // HSTS applies to the browser's preconnect as well; HTTPS-Upgrades redirects later, in
        // the navigation's loader, after the preconnect of the `http://` URL.
        let later = (nav.upgrade == Some(Upgrade::HttpsUpgrades)).then(|| nav.target.clone());
        if later.is_some() {
            self.upgraded.push(nav.first.getters.href.clone());
        }
        if let Some(to) = &later {
            self.navigation_preconnect(nav.preconnect_url(), Some(to), doc);
        }
        if let Some(up) = &nav.upgrade {
            let e = https_upgrades::upgrade_event(Instant::ZERO, &nav.first, &nav.target, up);
            self.push_request(doc, e);
        }
        self.fallback = nav.fallback().cloned();
        if later.is_none() {
            self.navigation_preconnect(nav.preconnect_url(), None, doc);
        }
        self.schedule(Instant::ZERO, Ev::Issue(doc));
    }

    /// Chrome's LoadingPredictor, as the navigation to `u` starts: the origin's group gets
    /// [`predictor::NAVIGATION_SOCKETS`] connections, one of which the document's request
    /// (`doc`) then takes ([`crate::model::predictor`]).
    /// `upgraded`: where HTTPS-Upgrades then sends the navigation.
    fn navigation_preconnect(
        &mut self,
        u: &url::Parsed,
        upgraded: Option<&url::Parsed>,
        doc: usize,
    ) {
        // Only http(s) navigations reach here (`Nav::plan`).
        if !(self.situation.preload && self.sc.preload) {
            return;
        }
        let Ok(parsed) = ::url::Url::parse(&u.getters.href) else {
            return;
        };
        let group = self.group_of(&parsed, true);
        let g = self.pool.group(&group);
        let detail = predictor::NavigationPreconnect {
            origin: u.origin.serialize(),
            group: group.to_string(),
            already: g.handed_out + g.connecting + g.idle,
            upgraded_to: upgraded.map(|t| t.origin.serialize()),
        };
        let e = Event::described(
            Instant::ZERO,
            Actor::Browser,
            steps::POOL_NAVIGATION_PRECONNECT,
            detail,
        );
        self.push_request(doc, e);
        self.preconnector = Preconnector::Navigation;
        self.pool
            .preconnect(Instant::ZERO, &group, predictor::NAVIGATION_SOCKETS);
        self.pool_outputs(Instant::ZERO);
        self.preconnector = Preconnector::Link;
    }

    /// A new request for the page's document at `u` with `method`, from `t` (`redirected`:
    /// after an HTTP redirect): the page's URL and origin become its own; a link's or a form's
    /// initiator gives its `Sec-Fetch-Site` and its header lines ([`initiator::header_lines`]).
    fn document_request(
        &mut self,
        u: &url::Parsed,
        why: &str,
        method: &str,
        redirected: bool,
        t: Instant,
    ) -> Option<usize> {
        let parsed = ::url::Url::parse(&u.getters.href).ok()?;
        self.doc_url = u.clone();
        self.page_origin = u.origin.clone();
        self.page_origin_s = u.origin.serialize().into();
        // The `Referer` each origin's requests send is worked out against the page: a new page
        // (a redirect's, a fallback's) starts afresh.
        for o in &mut self.origins {
            o.referer = None;
        }
        let lines = initiator::header_lines(self.start, self.initiator.as_ref(), &parsed, method);
        let site = self
            .initiator
            .as_ref()
            .map(|page| self.site_from(page, &parsed));
        let doc = self.new_request(
            parsed,
            Dest::Fetch(Destination::Document),
            Priority::Highest,
            why.into(),
            if method == "POST" { "POST" } else { "GET" }.into(),
            lines,
            true,
            t,
        )?;
        let kind = &mut self.reqs[doc].kind;
        kind.redirected = redirected;
        if let Some(site) = site {
            kind.site = site;
        }
        self.doc = doc;
        Some(doc)
    }

    /// `Sec-Fetch-Site` of a navigation to `to` started on `page`.
    fn site_from(&self, page: &::url::Url, to: &::url::Url) -> crate::model::http::FetchSite {
        use crate::model::http::FetchSite;
        let (a, b) = (
            super::exchange::origin_of(page),
            super::exchange::origin_of(to),
        );
        if a == b {
            FetchSite::SameOrigin
        } else if crate::model::site::SuffixList::default().same_site(&a, &b) {
            FetchSite::SameSite
        } else {
            FetchSite::CrossSite
        }
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
        // The fallback is a redirect the interceptor serves: it counts toward the limit.
        if !redirect::may_follow(self.redirects) {
            return false;
        }
        self.redirects += 1;
        self.http_allowed.push(http.getters.hostname.clone());
        self.push_request(r, https_upgrades::fallback_event(t, error, &http));
        self.fail(t, r, error);
        let method = self.reqs[r].method.to_string();
        let fallback = "HTTPS-Upgrades' fallback to http";
        if let Some(doc) = self.document_request(&http, fallback, &method, false, t) {
            self.schedule(t, Ev::Issue(doc));
        }
        true
    }
}

impl Sim<'_> {
    /// Whether request `r` is the document and its answer a redirect with somewhere to go.
    pub(super) fn redirects_now(&self, r: usize) -> bool {
        r == self.doc
            && redirect::is_redirect(self.reqs[r].status)
            && self.reqs[r].rare().location.is_some()
    }

    /// The document's answer `r` is a redirect, known at `t`: the next hop is requested, or
    /// the navigation fails as Chromium's would.
    pub(super) fn follow_redirect(&mut self, t: Instant, r: usize) {
        let status = self.reqs[r].status;
        let location = self.reqs[r].rare().location.clone().unwrap_or_default();
        let next = match redirect::target(self.reqs[r].url.as_str(), &location, self.redirects) {
            Ok(next) => next,
            Err(refused) => return self.refuse_redirect(t, r, refused, &location),
        };
        self.redirects += 1;
        let (reason, kind) = redirect::describe(status);
        let method = redirect::method_after(&self.reqs[r].method, status).to_string();
        let e = Event::new(
            t,
            Actor::Browser,
            steps::HTTP_REDIRECT,
            format!("{status} {reason}: on to {next}"),
        )
        .field("status", format!("{status} {reason}"))
        .field("location", &location)
        .field("next", &next)
        .field_spec(
            "method",
            method,
            "Chromium net/url_request/redirect_info.cc",
        )
        .field(
            "redirect",
            format!(
                "{} of at most {} a navigation follows (the upgrades' internal redirects count)",
                self.redirects,
                redirect::NAVIGATION_FOLLOWS
            ),
        )
        .field("kind", kind);
        self.push_request(r, e);
        let Ok(p) = url::parse(&next, None) else {
            return self.refuse_redirect(t, r, redirect::Refused::Invalid, &location);
        };
        let method = redirect::method_after(&self.reqs[r].method, status).to_string();
        // An http:// hop is upgraded as the navigation's first URL is: HSTS in the network
        // stack (a known host's http:// never goes out), else HTTPS-Upgrades' interceptor,
        // which upgrades every http:// redirect of the navigation ("HTTPS->HTTP downgrades can
        // occur later in the lifecycle of a navigation", https_upgrades_navigation_throttle.cc).
        let upgrade = https_upgrades::decide(
            &p,
            false,
            method == "GET",
            &self.hsts,
            self.situation.https_upgrades,
        )
        .ok();
        let (upgrade, looped) = self.hop_upgrade(upgrade, &p);
        let https = upgrade.as_ref().and_then(|_| https_upgrades::to_https(&p));
        // No upgrade step where no https URL could be written.
        let upgrade = upgrade.filter(|_| https.is_some());
        if upgrade.is_some() || looped {
            // The upgrade is an internal redirect of its own, counted like the server's.
            if !redirect::may_follow(self.redirects) {
                return self.refuse_redirect(t, r, redirect::Refused::TooMany, &location);
            }
            self.redirects += 1;
        }
        let to = https.unwrap_or_else(|| p.clone());
        let why = format!("a redirect from request {}", r + 1);
        let Some(doc) = self.document_request(&to, &why, &method, true, t) else {
            return self.refuse_redirect(t, r, redirect::Refused::Invalid, &location);
        };
        if looped {
            let why = "the upgraded https URL redirected back to http://, a loop";
            self.push_request(doc, https_upgrades::fallback_event(t, why, &p));
        }
        if let Some(up) = upgrade {
            if up == Upgrade::HttpsUpgrades {
                // HTTPS-Upgrades keeps the hop's http:// URL for its fallback.
                self.fallback = Some(p.clone());
                self.upgraded.push(p.getters.href.clone());
            }
            let e = https_upgrades::upgrade_event(t, &p, &to, &up);
            self.push_request(doc, e);
        }
        self.schedule(t, Ev::Issue(doc));
    }

    /// HTTPS-Upgrades' decision for an `http://` hop `p` (HSTS's stands): none for a host it fell
    /// back for; none, and a fallback (`true`: a redirect of its own, and the host allowed
    /// from now on), for a URL it already upgraded in this navigation, which came back.
    fn hop_upgrade(
        &mut self,
        upgrade: Option<Upgrade>,
        p: &url::Parsed,
    ) -> (Option<Upgrade>, bool) {
        if upgrade != Some(Upgrade::HttpsUpgrades) {
            return (upgrade, false);
        }
        let host = &p.getters.hostname;
        if self.http_allowed.contains(host) {
            return (None, false);
        }
        if self.upgraded.contains(&p.getters.href) {
            self.http_allowed.push(host.clone());
            return (None, true);
        }
        (upgrade, false)
    }

    /// Chromium will not follow the redirect: its error page.
    fn refuse_redirect(&mut self, t: Instant, r: usize, why: redirect::Refused, location: &str) {
        let (code, net, what) = why.error();
        let host = self.reqs[r].host.clone();
        let message = format!("{host} {what}");
        let e = Event::new(
            t,
            Actor::Browser,
            steps::NAV_ERROR_PAGE,
            format!("{code}: {message}"),
        )
        .field("error", code)
        .field_spec("net_error", net, "Chromium net/base/net_error_list.h")
        .field("location", location)
        .field("redirects_followed", self.redirects)
        .field("page_title", &*host)
        .note("heading", "This page isn't working");
        self.push_request(r, e);
        self.nav_failed = Some(navigation::Outcome::Error {
            code: code.into(),
            net_error: Some(net),
            message,
        });
    }

    /// Request `r`'s https answer arrived at `t`: a `Strict-Transport-Security` header is
    /// remembered for its host (RFC 6797 §8.1: only over https without certificate errors,
    /// only the first such header, never for an IP address).
    pub(super) fn learn_hsts(&mut self, t: Instant, r: usize) {
        let q = &self.reqs[r];
        if !q.https
            || q.url
                .host()
                .is_some_and(|h| !matches!(h, ::url::Host::Domain(_)))
        {
            return;
        }
        let Some(value) = q
            .resp
            .as_deref()
            .and_then(|resp| resp.headers.get("strict-transport-security"))
            .map(str::to_string)
        else {
            return;
        };
        let host = q.host.to_string();
        let e = Event::new(
            t,
            Actor::Browser,
            steps::HTTP_HSTS_STORE,
            match crate::model::hsts::parse_header(&value) {
                Ok(h) if h.max_age_s == 0 => format!("max-age=0: forget HSTS for {host}"),
                Ok(h) => format!(
                    "{host} is https-only for {}",
                    crate::model::text::duration_words(h.max_age_s)
                ),
                Err(why) => format!("ignored: {why}"),
            },
        )
        .field("header", format!("Strict-Transport-Security: {value}"));
        if let Ok(h) = crate::model::hsts::parse_header(&value) {
            self.hsts.learn(&host, h, 0);
        }
        self.push_request(r, e);
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
