//! The cookie jar: RFC 6265 §5.3 storage and §5.4 the Cookie header, for host-only cookies.
//!
//! Cookies are scoped by host and path, not by origin: they ignore the port and, unless marked
//! Secure, the scheme (RFC 6265 §8.5). Left out: the Domain attribute (every cookie here is
//! host-only), Expires dates (Max-Age only), SameSite=Strict's difference from Lax
//! on top-level navigations from other sites, and partitioned cookies. Chromium's per-domain
//! limit is kept (180, then down to 150), evicting the oldest rather than the least recently
//! used.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub host: String,
    pub path: String,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: String,
    pub max_age_s: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct Jar {
    pub cookies: Vec<Cookie>,
}

impl Jar {
    /// The `Cookie` header for a request to `host` and `path` (§5.4), if any cookie applies.
    pub fn header_for(&self, host: &str, path: &str, secure_channel: bool) -> Option<String> {
        self.header_for_subresource(host, path, secure_channel, false)
    }

    /// The `Cookie` header for a sub-resource or frame request that is cross-site or not: a
    /// cross-site request carries only `SameSite=None` cookies, and a cookie set without the
    /// attribute counts as `Lax` (Chrome's default since version 80; RFC 6265bis §5.4.7).
    pub fn header_for_subresource(
        &self,
        host: &str,
        path: &str,
        secure_channel: bool,
        cross_site: bool,
    ) -> Option<String> {
        let v: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| {
                c.host.eq_ignore_ascii_case(host)
                    && path_matches(&c.path, path)
                    && (!c.secure || secure_channel)
                    && (!cross_site || c.same_site.eq_ignore_ascii_case("none"))
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        (!v.is_empty()).then(|| v.join("; "))
    }

    /// Stores one `Set-Cookie` value received from `host` (§5.2, §5.3). A malformed header is
    /// ignored, as browsers do, with the reason.
    pub fn set(
        &mut self,
        host: &str,
        header: &str,
        secure_channel: bool,
    ) -> Result<Cookie, &'static str> {
        let mut parts = header.split(';');
        let pair = parts.next().unwrap_or("");
        let (name, value) = pair
            .split_once('=')
            .ok_or("no '=' in the name-value pair")?;
        let name = name.trim();
        if name.is_empty() {
            return Err("empty cookie name");
        }
        let mut c = Cookie {
            name: name.to_string(),
            value: value.trim().to_string(),
            host: host.to_ascii_lowercase(),
            path: "/".to_string(),
            secure: false,
            http_only: false,
            same_site: "Lax (Chrome's default)".to_string(),
            max_age_s: None,
        };
        for attr in parts {
            let (k, v) = attr
                .split_once('=')
                .map_or((attr.trim(), ""), |(k, v)| (k.trim(), v.trim()));
            match k.to_ascii_lowercase().as_str() {
                "path" if v.starts_with('/') => c.path = v.to_string(),
                "secure" => c.secure = true,
                "httponly" => c.http_only = true,
                "samesite" => c.same_site = v.to_string(),
                "max-age" => c.max_age_s = v.parse().ok(),
                _ => {}
            }
        }
        // RFC 6265bis §5.6 step 15: a Secure cookie only from a secure channel.
        if c.secure && !secure_channel {
            return Err("a Secure cookie sent over http is ignored");
        }
        // RFC 6265bis §5.6 step 19, as Chrome enforces it: SameSite=None requires Secure.
        if c.same_site.eq_ignore_ascii_case("none") && !c.secure {
            return Err("SameSite=None without Secure is rejected");
        }
        self.cookies
            .retain(|o| !(o.name == c.name && o.host == c.host && o.path == c.path));
        if c.max_age_s.is_some_and(|m| m <= 0) {
            return Ok(c);
        }
        self.cookies.push(c.clone());
        // Chromium's per-domain limit: past 180 cookies it evicts down to 150, oldest first
        // (it evicts the least recently used; here the jar keeps no access times).
        let on_host = self.cookies.iter().filter(|o| o.host == c.host).count();
        if on_host > DOMAIN_MAX_COOKIES {
            let mut evict = on_host - DOMAIN_PURGE_COOKIES;
            self.cookies.retain(|o| {
                let drop = evict > 0 && o.host == c.host;
                evict -= usize::from(drop);
                !drop
            });
        }
        Ok(c)
    }
}

/// `CookieMonster::kDomainMaxCookies` and `kDomainPurgeCookies` (net/cookies/cookie_monster.h).
pub const DOMAIN_MAX_COOKIES: usize = 180;
pub const DOMAIN_PURGE_COOKIES: usize = 150;

/// §5.1.4 path-match.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// The `cookie.store` step: what the jar did with one `Set-Cookie` value received at `at`.
pub fn store_event(
    at: crate::model::time::Instant,
    set_cookie: &str,
    stored: &Result<Cookie, &'static str>,
) -> crate::model::trace::Event {
    use crate::model::step::steps;
    use crate::model::trace::{Actor, Event};
    match stored {
        Ok(c) => Event::new(
            at,
            Actor::Browser,
            steps::COOKIE_STORE,
            format!("store cookie {}={} for {}", c.name, c.value, c.host),
        )
        .field_spec("set-cookie", set_cookie, "RFC 6265 §5.2")
        .field("jar", format!("{} (host-only), path {}", c.host, c.path))
        .field(
            "flags",
            format!(
                "Secure {}, HttpOnly {}, SameSite {}",
                c.secure, c.http_only, c.same_site
            ),
        ),
        Err(why) => Event::new(
            at,
            Actor::Browser,
            steps::COOKIE_STORE,
            format!("cookie ignored: {why}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_keeps_at_most_180_cookies() {
        let mut j = Jar::default();
        for i in 0..181 {
            assert!(j.set("a.example", &format!("c{i}=v"), true).is_ok());
        }
        assert!(j.set("b.example", "other=1", true).is_ok());
        let on_a: Vec<&str> = j
            .cookies
            .iter()
            .filter(|c| c.host == "a.example")
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(on_a.len(), DOMAIN_PURGE_COOKIES);
        assert_eq!(on_a[0], "c31", "the oldest 31 were evicted");
        assert_eq!(j.cookies.len(), DOMAIN_PURGE_COOKIES + 1);
    }

    #[test]
    fn scope_by_host_path_and_secure() {
        let mut j = Jar::default();
        j.set("a.test", "sid=1; Path=/app; Secure; HttpOnly", true)
            .unwrap();
        j.set("a.test", "theme=dark", true).unwrap();
        assert_eq!(
            j.header_for("a.test", "/app/x", true).as_deref(),
            Some("sid=1; theme=dark")
        );
        assert_eq!(
            j.header_for("a.test", "/apple", true).as_deref(),
            Some("theme=dark")
        );
        assert_eq!(
            j.header_for("a.test", "/app", false).as_deref(),
            Some("theme=dark")
        );
        assert_eq!(j.header_for("b.test", "/", true), None);
        assert!(j.set("a.test", "novalue", true).is_err());
        assert!(j.set("a.test", "s=1; Secure", false).is_err());
        j.set("a.test", "theme=; Max-Age=0", true).unwrap();
        assert_eq!(j.header_for("a.test", "/", true), None);
    }
}
