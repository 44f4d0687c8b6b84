//! AT decoding: framing of both directions ([`framer`]) and the grammar of one line
//! ([`grammar`]). The session logic that ties lines into exchanges is in [`crate::timeline`].

pub mod framer;
pub mod grammar;
