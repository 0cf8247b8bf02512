//! The trace: what the model computed, as a time-ordered list of events.
//!
//! It is protocol-agnostic on purpose: an event carries its step id, the actor, a one-line summary,
//! an ordered list of labelled fields, and for a message the sender, receiver and flight times. So
//! the inspector, the JSON output and the tests need no code per protocol; each protocol module
//! turns its own typed messages into fields.
//!
//! Ordering: events are sorted by time; `seq` breaks ties by the order the engine produced them,
//! which is itself deterministic. After [`Trace::finish`], `seq` equals the event's index.

use crate::model::step::{Stage, StepId};
use crate::model::time::{Duration, Instant};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

/// Who does something, or sends a message: one lane of the sequence diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The browser's network stack and renderer.
    Browser,
    /// The browser's HTTP cache.
    Cache,
    /// The operating system's stub resolver, its cache and the hosts file.
    Os,
    /// The recursive resolver (the ISP's or a public one).
    Resolver,
    /// A root name server.
    Root,
    /// The top-level-domain name server (`.com`).
    Tld,
    /// The domain's authoritative name server.
    Authoritative,
    /// The web server.
    Server,
}

impl Actor {
    pub const ALL: [Actor; 8] = [
        Actor::Browser,
        Actor::Cache,
        Actor::Os,
        Actor::Resolver,
        Actor::Root,
        Actor::Tld,
        Actor::Authoritative,
        Actor::Server,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Actor::Browser => "browser",
            Actor::Cache => "cache",
            Actor::Os => "os",
            Actor::Resolver => "resolver",
            Actor::Root => "root",
            Actor::Tld => "tld",
            Actor::Authoritative => "authoritative",
            Actor::Server => "server",
        }
    }

    /// The lane's label on screen.
    pub fn label(self) -> &'static str {
        match self {
            Actor::Browser => "Browser",
            Actor::Cache => "HTTP cache",
            Actor::Os => "OS resolver",
            Actor::Resolver => "Recursive resolver",
            Actor::Root => "Root server",
            Actor::Tld => "TLD server",
            Actor::Authoritative => "Authoritative server",
            Actor::Server => "Web server",
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One labelled value shown in the inspector: `seq = 2081443105`, `cipher_suite = ...`. A name
/// is nearly always a literal, so it is borrowed rather than allocated (a page load has
/// hundreds of thousands of fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: Cow<'static, str>,
    /// Borrowed when it is a constant ([`Event::note`]): no copy per event.
    pub value: Cow<'static, str>,
    /// Where the field is defined (`RFC 9293 §3.1`), when it is worth a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<&'static str>,
}

impl Field {
    pub fn new(name: impl Into<Cow<'static, str>>, value: impl fmt::Display) -> Field {
        Field {
            name: name.into(),
            value: Cow::Owned(value.to_string()),
            spec: None,
        }
    }

    /// A field whose name and value are constants: nothing is copied.
    pub const fn note(name: &'static str, value: &'static str) -> Field {
        Field {
            name: Cow::Borrowed(name),
            value: Cow::Borrowed(value),
            spec: None,
        }
    }

    pub fn spec(mut self, spec: &'static str) -> Field {
        self.spec = Some(spec);
        self
    }
}

/// A message in flight between two actors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flight {
    pub from: Actor,
    pub to: Actor,
    /// Which endpoint in the `to` role receives it ([`Trace::endpoints`]).
    #[serde(skip)]
    pub to_endpoint: Option<u16>,
    pub sent_at: Instant,
    pub arrives_at: Instant,
    /// Bytes on the wire, headers of every layer included.
    pub bytes: u64,
}

impl Flight {
    pub fn duration(&self) -> Duration {
        self.arrives_at - self.sent_at
    }
}

/// An event's words: its one-line summary and its labelled fields, however they are kept.
pub trait Words {
    fn summary(&self) -> &str;
    fn fields(&self) -> &[Field];
    fn clone_box(&self) -> Box<dyn Words>;
    /// The words as written ones, to add fields to.
    fn into_written(self: Box<Self>) -> Written;
    /// The written words themselves, when they are written ones.
    fn as_written(&mut self) -> Option<&mut Written> {
        None
    }
    /// The typed value the words are written from, when there is one ([`Event::detail`]).
    fn detail(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Words written when the event is made.
#[derive(Clone, Debug, Default)]
pub struct Written {
    summary: Cow<'static, str>,
    fields: Vec<Field>,
}

impl Words for Written {
    fn summary(&self) -> &str {
        &self.summary
    }

    fn fields(&self) -> &[Field] {
        &self.fields
    }

    fn clone_box(&self) -> Box<dyn Words> {
        Box::new(self.clone())
    }

    fn into_written(self: Box<Self>) -> Written {
        *self
    }

    fn as_written(&mut self) -> Option<&mut Written> {
        Some(self)
    }
}

/// What an event keeps instead of its text: the typed values it is about (ids, sizes, a
/// request's headers), from which its summary and fields are written when first read. A page
/// load has a hundred thousand events and a view shows a few; the protocol or browser part
/// that makes the event implements it, so the trace needs no code per protocol.
pub trait Detail: Clone + 'static {
    fn summary(&self) -> Cow<'static, str>;
    fn fields(&self) -> Vec<Field>;
}

/// A [`Detail`] and its words once written.
#[derive(Clone)]
struct Described<D> {
    detail: D,
    /// Boxed when first read: most of a large page's events are never read, and each then
    /// keeps one pointer rather than room for a summary and a list (40 bytes an event, 6.6 MB
    /// on a 10,000-request page).
    words: OnceCell<Box<Lazy>>,
}

/// An event's summary and fields, each written when first read.
#[derive(Clone, Default)]
struct Lazy {
    summary: OnceCell<Cow<'static, str>>,
    fields: OnceCell<Vec<Field>>,
}

/// What the trace reads of a detail, behind a pointer: the words' writing below is one piece of
/// code for every kind of detail (the web bundle carries it once), each kind adding only its
/// own two writers.
trait Writes {
    fn summary(&self) -> Cow<'static, str>;
    fn fields(&self) -> Vec<Field>;
}

impl<D: Detail> Writes for D {
    fn summary(&self) -> Cow<'static, str> {
        Detail::summary(self)
    }

    fn fields(&self) -> Vec<Field> {
        Detail::fields(self)
    }
}

fn summary_of<'c>(words: &'c OnceCell<Box<Lazy>>, d: &dyn Writes) -> &'c str {
    let lazy = words.get_or_init(Box::default);
    lazy.summary.get_or_init(|| d.summary())
}

fn fields_of<'c>(words: &'c OnceCell<Box<Lazy>>, d: &dyn Writes) -> &'c [Field] {
    let lazy = words.get_or_init(Box::default);
    lazy.fields.get_or_init(|| d.fields())
}

fn written_of(words: OnceCell<Box<Lazy>>, d: &dyn Writes) -> Written {
    let Lazy { summary, fields } = words.into_inner().map(|b| *b).unwrap_or_default();
    Written {
        summary: summary.into_inner().unwrap_or_else(|| d.summary()),
        fields: fields.into_inner().unwrap_or_else(|| d.fields()),
    }
}

impl<D: Detail> Words for Described<D> {
    fn summary(&self) -> &str {
        summary_of(&self.words, &self.detail)
    }

    fn fields(&self) -> &[Field] {
        fields_of(&self.words, &self.detail)
    }

    fn clone_box(&self) -> Box<dyn Words> {
        Box::new(self.clone())
    }

    fn detail(&self) -> Option<&dyn std::any::Any> {
        Some(&self.detail)
    }

    fn into_written(self: Box<Self>) -> Written {
        let Described { detail, words } = *self;
        written_of(words, &detail)
    }
}

/// An event's words, boxed: one pointer in the event whichever way they are kept.
struct WordsBox(Box<dyn Words>);

/// An event's words as they read (not how they are kept): the web bundle carries no `Debug`
/// for each kind of detail.
impl fmt::Debug for WordsBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Words")
            .field("summary", &self.get().summary())
            .field("fields", &self.get().fields())
            .finish()
    }
}

impl WordsBox {
    fn get(&self) -> &dyn Words {
        self.0.as_ref()
    }
}

impl Clone for WordsBox {
    fn clone(&self) -> Self {
        WordsBox(self.0.clone_box())
    }
}

impl PartialEq for WordsBox {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.get(), other.get());
        a.summary() == b.summary() && a.fields() == b.fields()
    }
}

/// Serialized in the event's place as `summary` and `fields`.
impl Serialize for WordsBox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Words", 2)?;
        st.serialize_field("summary", self.get().summary())?;
        st.serialize_field("fields", self.get().fields())?;
        st.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it happens; for a message, when it is sent.
    pub at: Instant,
    pub seq: u32,
    /// Which request of the journey: 0 for the navigation, 1 and up for requests the page makes.
    #[serde(skip_serializing_if = "is_zero")]
    pub request: u32,
    /// The connection whose machines produced it, or that carries the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<u32>,
    /// The HTTP/2 stream that carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u32>,
    pub stage: Stage,
    pub actor: Actor,
    /// Which endpoint in the actor's role does it or sends it: this server, that name server
    /// ([`Trace::endpoints`]).
    #[serde(skip)]
    pub endpoint: Option<u16>,
    pub step: StepId,
    /// The summary and the fields.
    #[serde(flatten)]
    words: WordsBox,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flight: Option<Flight>,
    /// The message's bytes on the wire, where the model writes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wire: Option<Rc<Wire>>,
}

/// A message's bytes as they cross the wire, and where each of its fields sits in them: what
/// an inspector's hex view highlights and a capture holds. JSON writes the bytes as hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    pub bytes: Vec<u8>,
    pub fields: Vec<WireField>,
}

/// One field's bytes: `start..end` in the message, and its name (`header.id`,
/// `answer[0].ttl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WireField {
    pub start: usize,
    pub end: usize,
    pub name: String,
}

impl Serialize for Wire {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let hex: String = self.bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut st = s.serialize_struct("Wire", 2)?;
        st.serialize_field("hex", &hex)?;
        st.serialize_field("fields", &self.fields)?;
        st.end()
    }
}

impl Event {
    /// When the event is over from the receiver's side: arrival for a message, `at` otherwise.
    pub fn end(&self) -> Instant {
        self.flight.as_ref().map_or(self.at, |f| f.arrives_at)
    }

    /// The one-line summary (written now if the event kept typed values).
    pub fn summary(&self) -> &str {
        self.words.get().summary()
    }

    /// The event's fields in order (those kept as typed values are written now).
    pub fn field_list(&self) -> &[Field] {
        self.words.get().fields()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.field_list()
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_ref())
    }
}

/// Builds an event: `Event::new(now, Actor::Browser, steps::TCP_SYN, "SYN").field(...)`.
impl Event {
    pub fn new(
        at: Instant,
        actor: Actor,
        step: StepId,
        summary: impl Into<Cow<'static, str>>,
    ) -> Event {
        Self::with_words(
            at,
            actor,
            step,
            WordsBox(Box::new(Written {
                summary: summary.into(),
                fields: Vec::new(),
            })),
        )
    }

    /// An event whose summary and fields are written from `detail` when first read.
    pub fn described(at: Instant, actor: Actor, step: StepId, detail: impl Detail) -> Event {
        Self::with_words(
            at,
            actor,
            step,
            WordsBox(Box::new(Described {
                detail,
                words: OnceCell::new(),
            })),
        )
    }

    /// The typed value the event was made from ([`Event::described`]), if it is a `T`: what a
    /// report that needs more than words reads (the capture export reads a segment's numbers,
    /// a TLS message, a request's fields). `None` for an event with written words.
    pub fn detail<T: 'static>(&self) -> Option<&T> {
        self.words.get().detail()?.downcast_ref::<T>()
    }

    fn with_words(at: Instant, actor: Actor, step: StepId, words: WordsBox) -> Event {
        Event {
            at,
            seq: 0,
            request: 0,
            connection: None,
            stream: None,
            stage: step.stage(),
            actor,
            endpoint: None,
            step,
            words,
            flight: None,
            wire: None,
        }
    }

    /// The message's bytes on the wire.
    pub fn wire(mut self, wire: Wire) -> Event {
        self.wire = Some(Rc::new(wire));
        self
    }

    pub fn request(mut self, request: u32) -> Event {
        self.request = request;
        self
    }

    pub fn connection(mut self, connection: u32) -> Event {
        self.connection = Some(connection);
        self
    }

    pub fn stream(mut self, stream: u32) -> Event {
        self.stream = Some(stream);
        self
    }

    /// Changes the written words (described ones are written out first).
    fn with_written(mut self, change: impl FnOnce(&mut Written)) -> Event {
        if let Some(w) = self.words.0.as_written() {
            change(w);
            return self;
        }
        let mut w = self.words.0.into_written();
        change(&mut w);
        self.words = WordsBox(Box::new(w));
        self
    }

    pub fn field(self, name: impl Into<Cow<'static, str>>, value: impl fmt::Display) -> Event {
        let f = Field::new(name, value);
        self.with_written(|w| w.fields.push(f))
    }

    /// A field whose value is a constant: borrowed, not copied.
    pub fn note(self, name: &'static str, value: &'static str) -> Event {
        self.with_written(|w| w.fields.push(Field::note(name, value)))
    }

    pub fn field_spec(
        self,
        name: impl Into<Cow<'static, str>>,
        value: impl fmt::Display,
        spec: &'static str,
    ) -> Event {
        let f = Field::new(name, value).spec(spec);
        self.with_written(|w| w.fields.push(f))
    }

    pub fn fields(self, fields: impl IntoIterator<Item = Field>) -> Event {
        self.with_written(|w| w.fields.extend(fields))
    }

    /// Marks the event as a message from its actor to `to`, arriving at `arrives_at`.
    pub fn message(mut self, to: Actor, arrives_at: Instant, bytes: u64) -> Event {
        self.flight = Some(Flight {
            from: self.actor,
            to,
            to_endpoint: None,
            sent_at: self.at,
            arrives_at: arrives_at.max(self.at),
            bytes,
        });
        self
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One machine of a trace, named: the browser (with its HTTP cache and the OS resolver), the
/// recursive resolver, a root server, a TLD's or a domain's name servers, or one web server. An
/// actor is a role; an endpoint is the one machine in that role, so a page load's messages to
/// two servers name two endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub actor: Actor,
    /// `www.example.com:443 (203.0.113.112)`, `the com. name servers`, `the recursive resolver`.
    pub name: String,
}

/// The events of one journey, in time order once finished, and the endpoints they name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trace {
    pub events: Vec<Event>,
    pub endpoints: Vec<Endpoint>,
}

impl Trace {
    /// The id of the endpoint called `name` in `actor`'s role, added the first time.
    pub fn endpoint(&mut self, actor: Actor, name: &str) -> u16 {
        match self
            .endpoints
            .iter()
            .position(|p| p.actor == actor && p.name == name)
        {
            Some(i) => i as u16,
            None => {
                self.endpoints.push(Endpoint {
                    actor,
                    name: name.to_string(),
                });
                (self.endpoints.len() - 1) as u16
            }
        }
    }

    /// Adds the endpoint called `name` in `actor`'s role, which the caller knows is new.
    pub(crate) fn add_endpoint(&mut self, actor: Actor, name: &str) -> u16 {
        debug_assert!(
            !(self.endpoints.iter()).any(|p| p.actor == actor && p.name == name),
            "{name} is already an endpoint"
        );
        self.endpoints.push(Endpoint {
            actor,
            name: name.to_string(),
        });
        (self.endpoints.len() - 1) as u16
    }

    /// The name of endpoint `id`.
    pub fn endpoint_name(&self, id: Option<u16>) -> Option<&str> {
        id.and_then(|i| self.endpoints.get(usize::from(i)))
            .map(|p| p.name.as_str())
    }

    pub fn push(&mut self, mut e: Event) {
        e.seq = self.events.len() as u32;
        self.events.push(e);
    }

    /// Sorts by time (ties keep the order of production) and renumbers `seq` to the index.
    pub fn finish(&mut self) {
        self.events.sort_by_key(|e| (e.at, e.seq));
        for (i, e) in self.events.iter_mut().enumerate() {
            e.seq = i as u32;
        }
    }

    /// When the last thing happens (the last arrival included).
    pub fn end(&self) -> Instant {
        self.events
            .iter()
            .map(Event::end)
            .max()
            .unwrap_or(Instant::ZERO)
    }

    pub fn find(&self, step: StepId) -> Option<&Event> {
        self.events.iter().find(|e| e.step == step)
    }

    pub fn position(&self, step: StepId) -> Option<usize> {
        self.events.iter().position(|e| e.step == step)
    }

    pub fn has(&self, step: StepId) -> bool {
        self.find(step).is_some()
    }
}

/// One aligned line per event with the request and the connection (and the HTTP/2 stream)
/// that it belongs to: `req 3  conn 2  s5`.
pub fn lines_with_ids(events: &[&Event]) -> String {
    use fmt::Write;
    let mut s = String::new();
    for e in events {
        let conn = e.connection.map_or("-".to_string(), |c| c.to_string());
        let stream = e.stream.map_or(String::new(), |st| format!(" s{st}"));
        let _ = write!(
            s,
            "{:>11}  req {:<4} conn {:<3}{:<5} {:<13} {:<28} {}",
            e.at.to_string(),
            if e.request == 0 {
                "-".to_string()
            } else {
                e.request.to_string()
            },
            conn,
            stream,
            e.actor.name(),
            e.step.as_str(),
            e.summary()
        );
        if let Some(fl) = &e.flight {
            let _ = write!(s, "  [→ {} at {}]", fl.to.name(), fl.arrives_at);
        }
        s.push('\n');
    }
    s
}

/// One aligned line per event: time, actor, step id, summary (and `→ to @ arrival` for messages).
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.events {
            write!(
                f,
                "{:>11}  {:<13} {:<28} {}",
                e.at.to_string(),
                e.actor.name(),
                e.step.as_str(),
                e.summary()
            )?;
            if let Some(fl) = &e.flight {
                write!(f, "  [→ {} at {}]", fl.to.name(), fl.arrives_at)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::step::steps;

    #[derive(Clone, Debug)]
    struct Port(u16);

    impl Detail for Port {
        fn summary(&self) -> Cow<'static, str> {
            format!("SYN to port {}", self.0).into()
        }
        fn fields(&self) -> Vec<Field> {
            vec![Field::new("port", self.0)]
        }
    }

    /// An event described by typed values reads, compares, clones and serializes as the same
    /// event written at once; a field added later comes after the described ones.
    #[test]
    fn described_events_read_as_written_ones() {
        let at = Instant::ZERO;
        let described = Event::described(at, Actor::Browser, steps::TCP_SYN, Port(443));
        let written =
            Event::new(at, Actor::Browser, steps::TCP_SYN, "SYN to port 443").field("port", 443);
        let copy = described.clone();
        assert_eq!(described.summary(), "SYN to port 443");
        assert_eq!(described.get("port"), Some("443"));
        assert_eq!(described, written);
        assert_eq!(copy, written, "a clone made before the first read");
        assert_eq!(
            serde_json::to_string(&described).expect("json"),
            serde_json::to_string(&written).expect("json")
        );
        let more = Event::described(at, Actor::Browser, steps::TCP_SYN, Port(80)).note("x", "y");
        let names: Vec<&str> = more.field_list().iter().map(|f| f.name.as_ref()).collect();
        assert_eq!(names, ["port", "x"]);
        assert_eq!(more.summary(), "SYN to port 80");
    }

    /// A field added to a described event after its words were read is read with them.
    #[test]
    fn a_field_added_after_a_read_is_read() {
        let e = Event::described(Instant::ZERO, Actor::Browser, steps::TCP_SYN, Port(1));
        assert_eq!(e.field_list().len(), 1);
        let e = e.field("c", "x");
        assert_eq!(e.get("c"), Some("x"));
        assert_eq!(e.field_list().len(), 2);
        assert_eq!(e.summary(), "SYN to port 1");
    }
}
