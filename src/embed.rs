//! Embedding: the options a link gives a framed wirewalk, and the messages an embedding page
//! may send it. Pure, like [`crate::link`]: the web app reads the values, this module decides
//! what they mean, and nothing a stranger writes can do more than a learner's clicks.
//!
//! Link options (after `embed=1`; see docs/embedding.md):
//!
//! | parameter  | values                      | default |
//! |------------|-----------------------------|---------|
//! | `embed`    | `1` / `0`                   | `0`     |
//! | `autoplay` | `1` / `0`                   | `0`     |
//! | `controls` | `full`, `minimal`, `none`   | `full`  |
//! | `theme`    | `light`, `dark`             | the reader's system setting |
//! | `start`    | a step id, `id@N` for request N | the first step |
//! | `end`      | a step id, `id@N`           | the last step |
//!
//! Messages (`postMessage` to the frame): `{type: "wirewalk:goto", step}` (with `request: N`
//! or `connection: N` for a request or connection of the page load, whose messages the
//! diagram then shows), `{type:
//! "wirewalk:play"}`, `{type: "wirewalk:pause"}`, `{type: "wirewalk:setUrl", url}` and `{type:
//! "wirewalk:setScenario", preset}`. [`Command::parse`] checks each; a wrong one is refused
//! with a reason the app logs as a console warning.

use crate::link::{expected, flag, parse_step, StepRef};
use crate::model::journey::Subject;

/// How much of the player an embedded frame shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controls {
    /// Every button, the speeds and the scrubber.
    Full,
    /// Play/pause and one step back and forward.
    Minimal,
    /// None: the embedding page drives the frame through messages.
    None,
}

impl Controls {
    const ALL: [Controls; 3] = [Controls::Full, Controls::Minimal, Controls::None];

    fn parse(v: &str) -> Option<Controls> {
        Controls::ALL.into_iter().find(|c| c.as_str() == v)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Controls::Full => "full",
            Controls::Minimal => "minimal",
            Controls::None => "none",
        }
    }
}

/// The colours an embedded frame uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// The reader's `prefers-color-scheme`.
    System,
    Light,
    Dark,
}

impl Theme {
    const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    fn parse(v: &str) -> Option<Theme> {
        let v = if v == "auto" { "system" } else { v };
        Theme::ALL.into_iter().find(|t| t.as_str() == v)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// What a link asks of an embedded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    pub on: bool,
    pub autoplay: bool,
    pub controls: Controls,
    pub theme: Theme,
    pub start: Option<StepRef>,
    pub end: Option<StepRef>,
}

impl Default for Embed {
    fn default() -> Self {
        Embed {
            on: false,
            autoplay: false,
            controls: Controls::Full,
            theme: Theme::System,
            start: None,
            end: None,
        }
    }
}

impl Embed {
    /// Reads the options from a link's extra parameters ([`crate::link::LinkState::extra`]); a
    /// value it cannot use is left at its default and named in `notes`.
    pub fn from_extra(extra: &[(String, String)], notes: &mut Vec<String>) -> Embed {
        let mut e = Embed::default();
        for (k, v) in extra {
            let ok = match k.as_str() {
                "embed" => flag(v).map(|b| e.on = b),
                "autoplay" => flag(v).map(|b| e.autoplay = b),
                "controls" => Controls::parse(v).map(|c| e.controls = c),
                "theme" => Theme::parse(v).map(|t| e.theme = t),
                "start" => parse_step(v).map(|s| e.start = Some(s)),
                "end" => parse_step(v).map(|s| e.end = Some(s)),
                _ => Some(()),
            };
            if ok.is_none() {
                notes.push(format!(
                    "{k}={} was ignored: {}",
                    crate::model::text::shorten(v, 40),
                    match k.as_str() {
                        "controls" => expected(Controls::ALL.map(Controls::as_str)),
                        "theme" => expected(Theme::ALL.map(Theme::as_str)),
                        "start" | "end" => "not a step id (docs/steps.md lists them)".into(),
                        _ => expected(["1", "0"]),
                    }
                ));
            }
        }
        e
    }

    /// The options as link parameters, only those that differ from the defaults.
    pub fn to_extra(&self) -> Vec<(String, String)> {
        let d = Embed::default();
        let mut out = Vec::new();
        let mut put = |k: &str, v: String| out.push((k.to_string(), v));
        if self.on {
            put("embed", "1".into());
        }
        if self.autoplay {
            put("autoplay", "1".into());
        }
        if self.controls != d.controls {
            put("controls", self.controls.as_str().into());
        }
        if self.theme != d.theme {
            put("theme", self.theme.as_str().into());
        }
        if let Some(s) = self.start {
            put("start", s.to_param());
        }
        if let Some(s) = self.end {
            put("end", s.to_param());
        }
        out
    }
}

/// The `<iframe>` a tutorial pastes to show `link` (a full wirewalk address whose query holds
/// the view and `embed=1`): 720×480, as the compact layout is made for. Attribute values are
/// escaped, so the snippet is well-formed whatever the link holds.
pub fn iframe_code(link: &str, title: &str) -> String {
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"720\" height=\"480\" style=\"border:0\" loading=\"lazy\"></iframe>",
        crate::model::text::escape_xml(link),
        crate::model::text::escape_xml(title)
    )
}

/// A message from the embedding page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// To a step, of the page's request or connection when one is named.
    Goto(Option<Subject>, StepRef),
    Play,
    Pause,
    SetUrl(String),
    SetScenario(String),
}

/// The longest URL a `wirewalk:setUrl` may carry (the address bar's own limit is larger; a
/// message is not the place for megabytes).
pub const MAX_MESSAGE_TEXT: usize = 8 * 1024;

impl Command {
    /// The request or connection a `wirewalk:goto` names (its `request` or `connection`
    /// field, a whole number from 1), or why it cannot be used.
    pub fn subject(
        request: Option<f64>,
        connection: Option<f64>,
    ) -> Result<Option<Subject>, String> {
        let whole = |name: &str, v: f64| -> Result<u32, String> {
            if v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
                Ok(v as u32)
            } else {
                Err(format!(
                    "wirewalk:goto: \"{name}\" must be a whole number from 1"
                ))
            }
        };
        match (request, connection) {
            (Some(_), Some(_)) => {
                Err("wirewalk:goto names a request or a connection, not both".into())
            }
            (Some(r), None) => Ok(Some(Subject::Request(whole("request", r)?))),
            (None, Some(c)) => Ok(Some(Subject::Connection(whole("connection", c)?))),
            (None, None) => Ok(None),
        }
    }

    /// A message's fields: its `type`, and the `step`, `url` or `preset` string that type
    /// needs (`None` when the field is missing or not a string). A message that is not for
    /// wirewalk (its type does not start with `wirewalk:`) is `Ok(None)`: pages talk to their
    /// frames about other things too.
    pub fn parse(
        kind: Option<&str>,
        step: Option<&str>,
        url: Option<&str>,
        preset: Option<&str>,
    ) -> Result<Option<Command>, String> {
        Self::parse_in(kind, step, url, preset, None)
    }

    /// [`Command::parse`], with the request or connection a `wirewalk:goto` names
    /// ([`Command::subject`]).
    pub fn parse_in(
        kind: Option<&str>,
        step: Option<&str>,
        url: Option<&str>,
        preset: Option<&str>,
        subject: Option<Subject>,
    ) -> Result<Option<Command>, String> {
        let Some(kind) = kind.filter(|k| k.starts_with("wirewalk:")) else {
            return Ok(None);
        };
        let text = |name: &str, v: Option<&str>| -> Result<String, String> {
            match v {
                None => Err(format!("{kind} needs a string \"{name}\"")),
                Some(s) if s.len() > MAX_MESSAGE_TEXT => Err(format!(
                    "{kind}: \"{name}\" is {} bytes, over {MAX_MESSAGE_TEXT}",
                    s.len()
                )),
                Some(s) => Ok(s.to_string()),
            }
        };
        let c = match kind {
            "wirewalk:goto" => {
                let s = text("step", step)?;
                Command::Goto(
                    subject,
                    parse_step(&s).ok_or_else(|| {
                        format!(
                            "wirewalk:goto: \"{}\" is not a step id",
                            crate::model::text::shorten(&s, 40)
                        )
                    })?,
                )
            }
            "wirewalk:play" => Command::Play,
            "wirewalk:pause" => Command::Pause,
            "wirewalk:setUrl" => {
                let u = text("url", url)?;
                // A URL the address bar would refuse is refused here, with the parser's reason.
                if let Err(e) = crate::model::url::parse(&u, None) {
                    return Err(format!("wirewalk:setUrl: {}", e.message));
                }
                Command::SetUrl(u)
            }
            "wirewalk:setScenario" => {
                let p = text("preset", preset)?;
                if !crate::model::scenario::preset_names().any(|n| n == p) {
                    return Err(format!(
                        "wirewalk:setScenario: no preset \"{}\" (`wirewalk presets` lists them)",
                        crate::model::text::shorten(&p, 40)
                    ));
                }
                Command::SetScenario(p)
            }
            other => {
                return Err(format!(
                    "unknown message type \"{}\"",
                    crate::model::text::shorten(other, 40)
                ))
            }
        };
        Ok(Some(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::step::steps;

    fn extra(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_read_and_write_back() {
        let mut notes = vec![];
        let e = Embed::from_extra(
            &extra(&[
                ("embed", "1"),
                ("autoplay", "1"),
                ("controls", "minimal"),
                ("theme", "dark"),
                ("start", "tls.client_hello"),
                ("end", "http.response@1"),
            ]),
            &mut notes,
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert!(e.on && e.autoplay);
        assert_eq!((e.controls, e.theme), (Controls::Minimal, Theme::Dark));
        assert_eq!(e.start.map(|s| s.id), Some(steps::TLS_CLIENT_HELLO));
        let again = Embed::from_extra(&e.to_extra(), &mut notes);
        assert_eq!(again, e);
        assert!(Embed::default().to_extra().is_empty());
    }

    #[test]
    fn bad_options_are_noted_and_left_at_their_defaults() {
        let mut notes = vec![];
        let e = Embed::from_extra(
            &extra(&[
                ("controls", "<b>"),
                ("theme", "neon"),
                ("start", "nope"),
                ("autoplay", "maybe"),
            ]),
            &mut notes,
        );
        assert_eq!(e, Embed::default());
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(notes[0].contains("expected full, minimal or none"));
    }

    #[test]
    fn a_goto_may_name_a_request_or_a_connection() {
        assert_eq!(
            Command::subject(Some(3.0), None),
            Ok(Some(Subject::Request(3)))
        );
        assert_eq!(
            Command::subject(None, Some(2.0)),
            Ok(Some(Subject::Connection(2)))
        );
        assert_eq!(Command::subject(None, None), Ok(None));
        for bad in [0.0, -1.0, 2.5, f64::NAN, f64::INFINITY, 1e12] {
            assert!(Command::subject(Some(bad), None).is_err(), "{bad}");
        }
        assert!(Command::subject(Some(1.0), Some(1.0)).is_err());
        assert_eq!(
            Command::parse_in(
                Some("wirewalk:goto"),
                Some("tls.server_hello"),
                None,
                None,
                Some(Subject::Request(3))
            ),
            Ok(Some(Command::Goto(
                Some(Subject::Request(3)),
                StepRef {
                    id: steps::TLS_SERVER_HELLO,
                    request: 0
                }
            )))
        );
    }

    #[test]
    fn messages_are_checked() {
        let p = |k: &str, s: Option<&str>, u: Option<&str>, pr: Option<&str>| {
            Command::parse(Some(k), s, u, pr)
        };
        assert_eq!(
            p("wirewalk:goto", Some("tls.server_hello"), None, None),
            Ok(Some(Command::Goto(
                None,
                StepRef {
                    id: steps::TLS_SERVER_HELLO,
                    request: 0
                }
            )))
        );
        assert_eq!(
            p("wirewalk:play", None, None, None),
            Ok(Some(Command::Play))
        );
        assert!(p("wirewalk:goto", None, None, None).is_err());
        assert!(p("wirewalk:goto", Some("x.y"), None, None).is_err());
        assert!(p("wirewalk:setScenario", None, None, Some("no-such")).is_err());
        assert_eq!(
            p("wirewalk:setScenario", None, None, Some("tls12-rsa")),
            Ok(Some(Command::SetScenario("tls12-rsa".into())))
        );
        assert!(
            p("wirewalk:setUrl", None, Some("https://exa mple.com/"), None)
                .is_err_and(|e| e.starts_with("wirewalk:setUrl: "))
        );
        assert_eq!(
            p("wirewalk:setUrl", None, Some("https://example.org/"), None),
            Ok(Some(Command::SetUrl("https://example.org/".into())))
        );
        let long = "x".repeat(MAX_MESSAGE_TEXT + 1);
        assert!(p("wirewalk:setUrl", None, Some(&long), None).is_err());
        assert!(p("wirewalk:fly", None, None, None).is_err());
        assert_eq!(
            Command::parse(Some("other:thing"), None, None, None),
            Ok(None)
        );
        assert_eq!(Command::parse(None, None, None, None), Ok(None));
    }

    #[test]
    fn the_iframe_code_is_escaped() {
        let c = iframe_code("https://w.example/?a=1&embed=1\"><script>", "TLS <1.3>");
        assert!(c.starts_with(
            "<iframe src=\"https://w.example/?a=1&amp;embed=1&quot;&gt;&lt;script&gt;\""
        ));
        assert!(c.contains("title=\"TLS &lt;1.3&gt;\""));
        assert_eq!(c.matches('<').count(), 2);
    }
}
