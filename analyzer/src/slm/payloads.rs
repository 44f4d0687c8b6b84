//! Payloads the SLM announces by their byte count: which lines announce them, whether the bytes
//! follow the line (a header) or came before it (a trailer), and in which releases. The framer
//! counts the bytes off instead of reading them as lines, so an `OK` or `Ready` inside a payload
//! is data (slm-protocol.md §4.2–§4.5).
//!
//! Teaching atscope a release's payloads is editing [`ANNOUNCERS`].

use super::version::{in_releases, Release};
use super::SlmVersion;

/// Where an announced payload is on the wire relative to its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The bytes follow the line.
    After,
    /// The bytes came before the line (v2.1.x/v2.2.x proxy data, every `#XHTTPCRSP`).
    Before,
}

/// One counted part of a payload.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// The parameter of the announcing line that gives the part's byte count.
    pub count: usize,
    /// What the part is called in the timeline (the payload's owner).
    pub owner: &'static str,
    /// A CR LF may follow the part's bytes.
    pub crlf_after: bool,
}

/// A line that announces a payload.
#[derive(Debug, Clone, Copy)]
pub struct Announcer {
    /// The line's prefix name.
    pub name: &'static str,
    /// Where its bytes are.
    pub place: Place,
    /// The counted parts, in wire order.
    pub parts: &'static [Part],
    /// It announces only as the information line of a pending command (not as a URC).
    pub answer_only: bool,
    /// First release that prints it so (`None`: v2.1.x).
    pub since: Option<Release>,
    /// First release that no longer does.
    pub removed: Option<Release>,
    /// Where this is in the SLM source.
    pub source: &'static str,
}

impl Announcer {
    /// Whether SLM `v` announces its payload this way.
    pub fn applies_in(&self, v: SlmVersion) -> bool {
        in_releases(v, self.since, self.removed)
    }

    /// The byte count of each part, from the announcing line's parameters; `None` when one is
    /// missing, negative or above `max` (then nothing is announced).
    pub fn sizes(&self, params: &[crate::at::grammar::Param], max: usize) -> Option<Vec<usize>> {
        self.parts
            .iter()
            .map(|p| params.get(p.count)?.as_int().and_then(|n| usize::try_from(n).ok()).filter(|&n| n <= max))
            .collect()
    }
}

/// A payload of one counted part, the first parameter.
const fn counted(owner: &'static str) -> Part {
    Part { count: 0, owner, crlf_after: false }
}

/// Every payload announcer, per release.
pub static ANNOUNCERS: &[Announcer] = &[
    Announcer {
        name: "#XRECV",
        place: Place::After,
        parts: &[counted("#XRECV")],
        answer_only: true,
        since: None,
        removed: None,
        source: "slm_at_socket.c do_recv(): `#XRECV: <size>` then the bytes",
    },
    Announcer {
        name: "#XRECVFROM",
        place: Place::After,
        parts: &[counted("#XRECVFROM")],
        answer_only: true,
        since: None,
        removed: None,
        source: "slm_at_socket.c do_recvfrom(): `#XRECVFROM: <size>,\"<ip>\",<port>` then the bytes",
    },
    Announcer {
        name: "#XTCPDATA",
        place: Place::Before,
        parts: &[counted("#XTCPDATA")],
        answer_only: false,
        since: None,
        removed: Some((2, 3)),
        source: "v2.1.x/v2.2.x slm_at_tcp_proxy.c tcp_data_handle(): the bytes, then `#XTCPDATA: <size>`",
    },
    Announcer {
        name: "#XTCPDATA",
        place: Place::After,
        parts: &[counted("#XTCPDATA")],
        answer_only: false,
        since: Some((2, 3)),
        removed: None,
        source: "v2.3+ slm_at_tcp_proxy.c tcp_data_handle(): `#XTCPDATA: <size>` then the bytes",
    },
    Announcer {
        name: "#XUDPDATA",
        place: Place::Before,
        parts: &[counted("#XUDPDATA")],
        answer_only: false,
        since: None,
        removed: Some((2, 3)),
        source: "v2.1.x/v2.2.x slm_at_udp_proxy.c udp_thread_func(): the bytes, then `#XUDPDATA: <size>`",
    },
    Announcer {
        name: "#XUDPDATA",
        place: Place::After,
        parts: &[counted("#XUDPDATA")],
        answer_only: false,
        since: Some((2, 3)),
        removed: None,
        source: "v2.3+ slm_at_udp_proxy.c: `#XUDPDATA: <size>[,\"<ip>\",<port>]` (the peer from v2.9) then the bytes",
    },
    Announcer {
        name: "#XMQTTMSG",
        place: Place::After,
        parts: &[
            Part { count: 0, owner: "#XMQTTMSG topic", crlf_after: true },
            Part { count: 1, owner: "#XMQTTMSG", crlf_after: true },
        ],
        answer_only: false,
        since: None,
        removed: None,
        source: "slm_at_mqtt.c handle_mqtt_publish_evt(): `#XMQTTMSG: <topic_len>,<payload_len>`, topic, CR LF, payload, CR LF",
    },
    Announcer {
        name: "#XHTTPCRSP",
        place: Place::Before,
        parts: &[counted("#XHTTPCRSP")],
        answer_only: false,
        since: None,
        removed: None,
        source: "slm_at_httpc.c response_cb(): the header block, then `#XHTTPCRSP: <size>,<final>`; body bytes, then the running total",
    },
];

/// How `name` announces a payload in SLM `v`, if it does.
pub fn announcer(name: &str, v: SlmVersion) -> Option<&'static Announcer> {
    ANNOUNCERS.iter().find(|a| a.name.eq_ignore_ascii_case(name) && a.applies_in(v))
}

/// Whether TCP/UDP proxy data comes before its `#XTCPDATA`/`#XUDPDATA` line in SLM `v` (so a
/// modem line with nothing pending may still be payload until the next line tells).
pub fn proxy_data_trails(v: SlmVersion) -> bool {
    announcer("#XTCPDATA", v).is_some_and(|a| a.place == Place::Before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_release_has_one_way_per_line() {
        for v in [(2, 1), (2, 2), (2, 3), (2, 5), (2, 6), (2, 9)] {
            let v = SlmVersion::new(v.0, v.1, 0);
            for a in ANNOUNCERS {
                let ways = ANNOUNCERS.iter().filter(|b| b.name == a.name && b.applies_in(v)).count();
                assert!(ways <= 1, "{} has {ways} ways in {v}", a.name);
            }
        }
    }

    #[test]
    fn proxy_data_trails_its_line_only_before_v2_3() {
        assert!(proxy_data_trails(SlmVersion::DEFAULT));
        assert!(proxy_data_trails(SlmVersion::new(2, 2, 0)));
        assert!(!proxy_data_trails(SlmVersion::new(2, 3, 0)));
        assert!(!proxy_data_trails(SlmVersion { sm: true, ..SlmVersion::new(1, 0, 0) }));
        assert_eq!(announcer("#XHTTPCRSP", SlmVersion::new(2, 9, 0)).map(|a| a.place), Some(Place::Before));
    }
}
