//! What a run starts from: a journey's knobs and its named presets, and the page presets.

pub mod pages;
pub mod realtime;
pub mod scenario;
