//! What atscope knows about the Serial LTE Modem: versions, and (as data) commands, URCs,
//! promises and error meanings.

pub mod version;

pub use version::SlmVersion;

use crate::timeline::Event;

/// The meaning of an event's raw values, from the knowledge base
/// (`#XMQTTEVT: 1,0` → `MQTT DISCONNECT, ok`), if atscope knows one.
pub fn meaning(e: &Event) -> Option<String> {
    let _ = e;
    None
}
