//! What a run gives: the trace of events with their step ids, a page load as a HAR file and a
//! recorded HAR replayed as a load, and the small JSON writer they use.

pub mod capture;
pub mod har;
pub mod har_replay;
pub mod json;
pub mod netlog;
pub mod pcapng;
pub mod step;
pub mod trace;
