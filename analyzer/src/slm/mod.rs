//! What atscope knows about the Serial LTE Modem: versions, and (as data) commands, URCs,
//! promises and error meanings.

pub mod version;

pub use version::SlmVersion;
