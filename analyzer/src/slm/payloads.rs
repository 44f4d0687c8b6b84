//! Payloads the SLM announces by their byte count: which lines announce them, whether the bytes
//! follow the line (a header) or came before it (a trailer), and in which releases. The framer
//! counts the bytes off instead of reading them as lines, so an `OK` or `Ready` inside a payload
//! is data (slm-protocol.md §4.2–§4.5).
//!
//! Teaching atscope a release's payloads is editing [`ANNOUNCERS`].

use super::version::{in_releases, Release, SERIAL_MODEM};
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
    /// `(parameter, value)`: when that parameter has that value, the payload is hex text and
    /// holds two characters per counted byte (the Serial Modem's hex mode).
    pub hex_when: Option<(usize, i64)>,
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
        let int = |i: usize| params.get(i).and_then(|p| p.as_int());
        self.parts
            .iter()
            .map(|p| {
                let n = usize::try_from(int(p.count)?).ok()?;
                let hex = p.hex_when.is_some_and(|(i, v)| int(i) == Some(v));
                Some(if hex { n.checked_mul(2)? } else { n }).filter(|&n| n <= max)
            })
            .collect()
    }
}

/// A payload of one counted part, the first parameter.
const fn counted(owner: &'static str) -> Part {
    Part { count: 0, owner, crlf_after: false, hex_when: None }
}

/// The Serial Modem's socket payload: `<handle>,<mode>,<size>`, hex text in mode 1
/// (`AT_SOCKET_MODE_HEX`), and a CR LF after it when it came by automatic reception.
const fn sm_socket(owner: &'static str) -> Part {
    Part { count: 2, owner, crlf_after: true, hex_when: Some((1, 1)) }
}

/// Every payload announcer, per release.
pub static ANNOUNCERS: &[Announcer] = &[
    Announcer {
        name: "#XRECV",
        place: Place::After,
        parts: &[counted("#XRECV")],
        answer_only: true,
        since: None,
        removed: Some(SERIAL_MODEM),
        source: "slm_at_socket.c do_recv(): `#XRECV: <size>` then the bytes",
    },
    Announcer {
        name: "#XRECV",
        place: Place::After,
        parts: &[sm_socket("#XRECV")],
        answer_only: false,
        since: Some(SERIAL_MODEM),
        removed: None,
        source: "ncs-serial-modem v1.0.1 sm_at_socket.c do_recv(): `#XRECV: <handle>,<mode>,<size>` then the bytes (2×size hex characters in mode 1); auto_reception() sends it unasked and adds CR LF",
    },
    Announcer {
        name: "#XRECVFROM",
        place: Place::After,
        parts: &[counted("#XRECVFROM")],
        answer_only: true,
        since: None,
        removed: Some(SERIAL_MODEM),
        source: "slm_at_socket.c do_recvfrom(): `#XRECVFROM: <size>,\"<ip>\",<port>` then the bytes",
    },
    Announcer {
        name: "#XRECVFROM",
        place: Place::After,
        parts: &[sm_socket("#XRECVFROM")],
        answer_only: false,
        since: Some(SERIAL_MODEM),
        removed: None,
        source: "ncs-serial-modem v1.0.1 sm_at_socket.c do_recvfrom(): `#XRECVFROM: <handle>,<mode>,<size>,\"<ip>\",<port>` then the bytes (hex in mode 1)",
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
            Part { count: 0, owner: "#XMQTTMSG topic", crlf_after: true, hex_when: None },
            Part { count: 1, owner: "#XMQTTMSG", crlf_after: true, hex_when: None },
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
        for v in [(2, 1), (2, 2), (2, 3), (2, 5), (2, 6), (2, 9)]
            .map(|(a, b)| SlmVersion::new(a, b, 0))
            .into_iter()
            .chain([SlmVersion { sm: true, ..SlmVersion::new(1, 0, 1) }])
        {
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

    #[test]
    fn the_serial_modem_counts_its_socket_payload_from_the_third_field_and_doubles_hex() {
        use crate::at::grammar::split_params;
        let sm = SlmVersion { sm: true, ..SlmVersion::new(1, 0, 1) };
        let a = announcer("#XRECV", sm).expect("SM #XRECV");
        assert_eq!(a.sizes(&split_params("0,0,8"), 1 << 20), Some(vec![8]));
        assert_eq!(a.sizes(&split_params("0,1,6"), 1 << 20), Some(vec![12]));
        let slm = announcer("#XRECV", SlmVersion::new(2, 9, 0)).expect("SLM #XRECV");
        assert_eq!(slm.sizes(&split_params("8"), 1 << 20), Some(vec![8]));
    }
}
