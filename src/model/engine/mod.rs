//! The engine: one discrete-event simulation runs a page load, every request and every
//! connection message by message ([`load`]); each connection runs its own TCP and TLS machines
//! ([`connection`]); the journey is the document's request of a load ([`journey`]), whose page
//! is rendered and clicked by [`page_run`].

pub mod connection;
pub mod journey;
pub mod load;
pub mod page_run;
