//! HTTP redirects (RFC 9110 §15.4) as a browser follows them: which answers redirect, where
//! `Location` points, which method the next request uses, and when the browser gives up.
//!
//! A navigation's redirects are counted by its loader in the browser
//! (`NavigationURLLoaderImpl::OnReceiveRedirect`, content/browser/loader/
//! navigation_url_loader_impl.cc): its limit starts at `kMaxRedirects` = 20 and is decremented
//! before it is tested, so the twentieth redirect fails with `ERR_TOO_MANY_REDIRECTS` and a
//! navigation follows nineteen, one fewer than Fetch's "HTTP-redirect fetch" (§4.4, a network
//! error when the redirect count is already twenty) and than a `URLRequest` alone
//! (net/url_request/url_request.cc). Checked on this machine's Chromium 156: a loopback server
//! that answered every request with a redirect received 20 requests. Every redirect the
//! navigation sees counts: the server's, HSTS's internal ones (the network stack's `307
//! Internal Redirect` for an `http://` URL of a known host), and HTTPS-Upgrades' (its upgrade
//! and its fallback, redirects its interceptor serves), so with HTTPS-Upgrades trying and
//! falling back first, the same server received 18. A `Location` that does not parse is
//! `ERR_INVALID_REDIRECT`, and one to a scheme that is not fetched (`file:`, `data:`…) is
//! `ERR_UNSAFE_REDIRECT`. The method changes as `ComputeMethodForRedirect`
//! (net/url_request/redirect_info.cc) says: 303 makes anything but HEAD a GET; 301 and 302
//! make a POST a GET; 307 and 308 keep it.
//!
//! Left out: `Refresh` headers and `<meta http-equiv=refresh>`, the `Referrer-Policy` of a
//! redirect response, and redirects of sub-resources (only the document's are followed).

/// Chromium's redirect limit (`URLRequest::kMaxRedirects`, net/url_request/url_request.h),
/// the navigation loader's starting count.
pub const MAX_REDIRECTS: u32 = 20;

/// Redirects a navigation follows: its loader fails the one that brings its count to zero.
pub const NAVIGATION_FOLLOWS: u32 = MAX_REDIRECTS - 1;

/// Whether a navigation that has followed `followed` redirects may follow one more.
pub fn may_follow(followed: u32) -> bool {
    followed < NAVIGATION_FOLLOWS
}

/// Chromium's source for the redirect limit and errors.
pub const SOURCE: &str = "https://source.chromium.org/chromium/chromium/src/+/main:content/browser/loader/navigation_url_loader_impl.cc";

/// Whether `status` is a redirect a browser follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The status's reason phrase and what it means for the next visit.
pub fn describe(status: u16) -> (&'static str, &'static str) {
    match status {
        301 => (
            "Moved Permanently",
            "permanent: the browser caches it and goes straight to the new URL next time",
        ),
        308 => (
            "Permanent Redirect",
            "permanent, and the method is kept: cached like a 301",
        ),
        302 => (
            "Found",
            "temporary: asked again next time unless its headers allow caching",
        ),
        303 => (
            "See Other",
            "temporary, and the next request is a GET (the answer to a form POST)",
        ),
        307 => (
            "Temporary Redirect",
            "temporary, and the method and body are kept",
        ),
        _ => ("", ""),
    }
}

/// The method of the request that follows a `status` answer to a `method` request
/// (`ComputeMethodForRedirect`).
pub fn method_after(method: &str, status: u16) -> &str {
    if (status == 303 && method != "HEAD") || (matches!(status, 301 | 302) && method == "POST") {
        "GET"
    } else {
        method
    }
}

/// Why a redirect is not followed: Chromium's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    TooMany,
    Invalid,
    Unsafe,
}

impl Refused {
    /// Chromium's name and number (net/base/net_error_list.h) and what it means.
    pub fn error(self) -> (&'static str, i32, &'static str) {
        match self {
            Refused::TooMany => (
                "ERR_TOO_MANY_REDIRECTS",
                -310,
                "redirected you too many times",
            ),
            Refused::Invalid => (
                "ERR_INVALID_REDIRECT",
                -303,
                "sent a redirect whose Location is not a valid URL",
            ),
            Refused::Unsafe => (
                "ERR_UNSAFE_REDIRECT",
                -311,
                "sent a redirect to a URL the browser will not load from a web page",
            ),
        }
    }
}

/// Where a redirect from `base` with this `Location` goes, after `followed` redirects already:
/// the next URL, or why the browser stops. A relative `Location` is resolved against `base`,
/// and the base's fragment carries over when the new URL has none (RFC 9110 §10.2.2).
pub fn target(base: &str, location: &str, followed: u32) -> Result<String, Refused> {
    if !may_follow(followed) {
        return Err(Refused::TooMany);
    }
    let base_url = ::url::Url::parse(base).map_err(|_| Refused::Invalid)?;
    let mut next = base_url
        .join(location.trim())
        .map_err(|_| Refused::Invalid)?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Refused::Unsafe);
    }
    if next.fragment().is_none() {
        next.set_fragment(base_url.fragment());
    }
    Ok(next.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_follow_chromium() {
        for (m, s, want) in [
            ("POST", 301, "GET"),
            ("POST", 302, "GET"),
            ("POST", 303, "GET"),
            ("PUT", 303, "GET"),
            ("HEAD", 303, "HEAD"),
            ("PUT", 301, "PUT"),
            ("POST", 307, "POST"),
            ("POST", 308, "POST"),
            ("GET", 301, "GET"),
        ] {
            assert_eq!(method_after(m, s), want, "{m} {s}");
        }
    }

    #[test]
    fn locations_resolve_and_limits_hold() {
        let t = |loc, n| target("http://a.example/x/y?q#frag", loc, n);
        assert_eq!(
            t("https://a.example/", 0),
            Ok("https://a.example/#frag".into())
        );
        assert_eq!(t("/z", 0), Ok("http://a.example/z#frag".into()));
        assert_eq!(t("z#f2", 0), Ok("http://a.example/x/z#f2".into()));
        assert_eq!(t("file:///etc/passwd", 0), Err(Refused::Unsafe));
        assert_eq!(t("data:text/html,hi", 0), Err(Refused::Unsafe));
        assert_eq!(t("http://[::1", 0), Err(Refused::Invalid));
        // Nineteen followed, the twentieth refused.
        assert_eq!(t("/z", 18), Ok("http://a.example/z#frag".into()));
        assert_eq!(t("/z", 19), Err(Refused::TooMany));
        assert!(is_redirect(308) && !is_redirect(304) && !is_redirect(300));
    }
}
