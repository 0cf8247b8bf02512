//! Chrome's LoadingPredictor at a navigation's start: before the document's request leaves,
//! the browser asks the network service to open connections to the origin being navigated to,
//! so that the group holds at least two sockets.
//!
//! Modelled, from Chromium's `chrome/browser/predictors/`:
//! - **When**: a navigation of the main frame (`IsHandledNavigation`,
//!   loading_predictor_tab_helper.cc: the primary main frame, not a same-document navigation,
//!   an http or https URL), at `DidStartNavigation` — typed, a link, a form alike, and before
//!   the HTTP cache is asked, so a page served from the cache still gets its sockets.
//! - **Where**: the URL the navigation starts with (`LoadingPredictor::OnNavigationStarted`
//!   with the navigation's URL), made https by HSTS (`NetworkContext::PreconnectSockets`
//!   starts with `GetHSTSRedirect`) but not by HTTPS-Upgrades, whose upgrade comes later, in
//!   the navigation's loader: an upgraded `http://` navigation preconnects port 80. A redirect
//!   does not preconnect its target (only the optimization guide, a Google service, acts on
//!   redirects).
//! - **How many**: [`NAVIGATION_SOCKETS`], topped up, not added: the socket pool's
//!   `RequestSockets` counts the group's connecting, busy and idle sockets first, and a request
//!   arriving while a preconnect's connect job runs takes that job instead of starting its own
//!   (`TransportClientSocketPool::RequestSocketInternal`). So the document's request rides one
//!   of them and the other stays idle for the page's next request to the origin.
//! - **Off**: with Chrome's "Preload pages" setting off (`IsPreconnectAllowed`) and in an
//!   Incognito window, whose profile has no LoadingPredictor; [`Situation::preload`]
//!   (`crate::model::load::Situation`) and the page scenario's `preload`.
//!
//! Left out: the predictor's learned predictions (after a visit, it also preconnects one
//! socket to each origin whose Medium-or-higher requests the page made, from its
//! `ResourcePrefetchPredictor` database), the optimization guide's hints, and content's own
//! one-socket preconnect of every navigation, frames included (`NavigationRequest`'s
//! constructor, content/browser/renderer_host/navigation_request.cc, under the same setting):
//! in the main frame it opens the socket the document then takes, which the model's request
//! opens itself; in a cross-site frame it is wasted when third-party cookies are blocked, as
//! the frame's request then uses another socket group (privacy mode), and the model follows
//! Chrome's default of allowing them.

use crate::model::trace::{Detail, Field};
use std::borrow::Cow;

/// Sockets the LoadingPredictor wants in the navigated origin's group: `kMinSockets` in
/// `AddInitialUrlToPreconnectPrediction` (chrome/browser/predictors/loading_predictor.cc),
/// whose comment gives the reason: a main page that redirects to the same host can send the
/// next request while the first connection is still reading the redirect.
pub const NAVIGATION_SOCKETS: usize = 2;

/// `pool.navigation_preconnect`: the predictor asks for the origin's sockets.
#[derive(Clone, Debug)]
pub struct NavigationPreconnect {
    pub origin: String,
    pub group: String,
    /// The group's sockets before (another tab's, an idle one).
    pub already: usize,
    /// Where HTTPS-Upgrades then redirects the navigation (an `http://` one): the sockets
    /// opened here wait for the fallback.
    pub upgraded_to: Option<String>,
}

impl Detail for NavigationPreconnect {
    fn summary(&self) -> Cow<'static, str> {
        match NAVIGATION_SOCKETS.saturating_sub(self.already) {
            NAVIGATION_SOCKETS => format!(
                "preconnect {NAVIGATION_SOCKETS} sockets to {} as the navigation starts",
                self.origin
            ),
            0 => format!(
                "preconnect to {} as the navigation starts: its {} sockets are enough, none opened",
                self.origin, self.already
            ),
            n => format!(
                "preconnect to {} as the navigation starts: {} already open, {n} more",
                self.origin, self.already
            ),
        }
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut fields = vec![
            Field::new("origin", &self.origin),
            Field::new("group", &self.group).spec("Chromium ClientSocketPool::GroupId"),
            Field::new(
                "sockets wanted",
                format!("{NAVIGATION_SOCKETS} (kMinSockets, AddInitialUrlToPreconnectPrediction)"),
            ),
            Field::new(
                "already open",
                match self.already {
                    0 => "none: the group's connections start now".to_string(),
                    n => format!("{n}: the group's sockets count toward the {NAVIGATION_SOCKETS}"),
                },
            ),
        ];
        match &self.upgraded_to {
            None => fields.push(Field::note(
                "the document's request",
                "takes the first socket to connect; the other waits idle for the page",
            )),
            Some(to) => fields.push(Field::new(
                "then",
                format!(
                    "HTTPS-Upgrades sends the navigation to {to}, in the navigation's loader, \
                     after this preconnect of the URL it started with: these sockets carry \
                     nothing unless https fails and the navigation falls back to http"
                ),
            )),
        }
        fields
    }
}
