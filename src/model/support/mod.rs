//! Small pieces the rest stands on: simulated time, the seeded random numbers, a sorted map and
//! text helpers.

pub mod rng;
pub mod sorted;
pub mod text;
pub mod time;
