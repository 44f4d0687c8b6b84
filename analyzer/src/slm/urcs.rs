//! URCs: names, fields and the meanings of their values.

use super::fields::{f, fv, Field, Values, ONOFF};

/// A URC atscope knows, with its fields.
#[derive(Debug, Clone, Copy)]
pub struct UrcSpec {
    /// `#XMQTTEVT`, `+CEREG`.
    pub name: &'static str,
    /// What it tells.
    pub summary: &'static str,
    /// Its fields in order.
    pub fields: &'static [Field],
    /// SLM URCs still come in data mode; modem URCs are dropped there (§4.4).
    pub slm: bool,
}

const fn urc(name: &'static str, summary: &'static str, fields: &'static [Field]) -> UrcSpec {
    UrcSpec { name, summary, fields, slm: name.as_bytes()[0] == b'#' }
}

/// MQTT event types (`#XMQTTEVT: <evt>,…`, Zephyr `mqtt_evt_type`).
pub const MQTT_EVT: Values = &[
    (0, "CONNACK"),
    (1, "DISCONNECT"),
    (2, "PUBLISH received"),
    (3, "PUBACK"),
    (4, "PUBREC"),
    (5, "PUBREL"),
    (6, "PUBCOMP"),
    (7, "SUBACK"),
    (8, "UNSUBACK"),
    (9, "PINGRESP"),
];
/// MQTT CONNACK return codes.
pub const CONNACK: Values = &[
    (0, "accepted"),
    (1, "refused: unacceptable protocol version"),
    (2, "refused: identifier rejected"),
    (3, "refused: server unavailable"),
    (4, "refused: bad user name or password"),
    (5, "refused: not authorized"),
];
/// `+CEREG` registration states.
pub const CEREG_STAT: Values = &[
    (0, "not registered, not searching"),
    (1, "registered, home network"),
    (2, "not registered, searching"),
    (3, "registration denied"),
    (4, "unknown (out of coverage)"),
    (5, "registered, roaming"),
    (8, "emergency bearer services only"),
    (90, "not registered: UICC failure"),
];
const ACT: Values = &[(7, "LTE-M"), (9, "NB-IoT")];
const FOTA_STAGE: Values = &[
    (0, "init"),
    (1, "download"),
    (2, "erase pending"),
    (3, "erased"),
    (4, "downloaded, to be activated (reset)"),
    (5, "complete"),
];
const FOTA_STATUS: Values = &[(0, "OK"), (1, "error"), (2, "cancelled")];
/// `#XGPS: <service>,<status>` states.
pub const GPS_STATUS: Values =
    &[(0, "stopped"), (1, "started"), (2, "periodic wake-up"), (3, "sleep after timeout"), (4, "sleep after fix")];
const MODEMSLEEP: Values = &[
    (1, "PSM"),
    (2, "RF inactivity (eDRX)"),
    (3, "limited service"),
    (4, "flight mode"),
    (5, "sleep interrupted"),
    (6, "sleep resumed"),
    (7, "proprietary PSM"),
];

/// Every URC atscope knows.
pub static URCS: &[UrcSpec] = &[
    urc("#XMQTTEVT", "MQTT event", &[fv("evt", MQTT_EVT), f("result")]),
    urc("#XMQTTMSG", "MQTT message received", &[f("topic_len"), f("payload_len")]),
    urc("#XDATAMODE", "data mode ended", &[f("result")]),
    urc("#XMODEM", "modem library event", &[f("event")]),
    urc("#XNRFCLOUD", "nRF Cloud state", &[fv("ready", &[(0, "not ready"), (1, "ready")]), fv("signify", ONOFF)]),
    urc(
        "#XNRFCLOUDPOS",
        "nRF Cloud location",
        &[fv("type", &[(0, "single-cell"), (1, "multi-cell"), (2, "Wi-Fi")]), f("lat"), f("lon"), f("uncertainty")],
    ),
    urc("#XCELLPOS", "cellular position", &[f("type"), f("lat"), f("lon"), f("uncertainty")]),
    urc("#XGPS", "GNSS fix or state", &[f("lat or service"), f("lon or status")]),
    urc("#XFOTA", "FOTA progress", &[fv("stage", FOTA_STAGE), fv("status", FOTA_STATUS), f("info")]),
    urc("#XPING", "ping reply", &[f("time")]),
    urc("#XSMS", "SMS received", &[f("time"), f("from"), f("text")]),
    urc("#XTCPSVR", "TCP server event", &[f("handle or peer"), f("state")]),
    urc("#XTCPCLI", "TCP client event", &[f("error"), f("state")]),
    urc("#XUDPSVR", "UDP server event", &[f("error"), f("state")]),
    urc("#XUDPCLI", "UDP client event", &[f("error"), f("state")]),
    urc("#XTCPDATA", "TCP data received", &[f("size")]),
    urc("#XUDPDATA", "UDP data received", &[f("size"), f("ip"), f("port")]),
    urc(
        "#XHTTPCREQ",
        "HTTP request state",
        &[fv("state", &[(0, "request sent"), (1, "waiting for payload (data mode)")])],
    ),
    urc("#XHTTPCRSP", "HTTP response bytes", &[f("bytes"), fv("final", &[(0, "more follows"), (1, "complete")])]),
    urc("#XFTP", "FTP event", &[f("error"), f("state")]),
    urc("#XAPOLL", "asynchronous poll event", &[f("handle"), f("revents")]),
    urc("#XPPP", "PPP state", &[f("running"), f("peer_connected"), f("cid")]),
    urc("#XCARRIEREVT", "LwM2M carrier event", &[f("type")]),
    urc("#XDFUGET", "nRF52 DFU download", &[f("op"), f("percent")]),
    urc(
        "+CEREG",
        "network registration",
        &[
            fv("stat", CEREG_STAT),
            f("tac"),
            f("ci"),
            fv("AcT", ACT),
            f("cause_type"),
            f("reject_cause"),
            f("Active-Time"),
            f("Periodic-TAU-ext"),
        ],
    ),
    urc("+CSCON", "RRC connection", &[fv("mode", &[(0, "idle"), (1, "connected")]), f("state"), f("access")]),
    urc("+CGEV", "packet domain event", &[f("event")]),
    urc("+CNEC_ESM", "ESM error", &[f("cause"), f("cid")]),
    urc(
        "+CEDRXP",
        "eDRX parameters",
        &[fv("AcT", &[(4, "LTE-M"), (5, "NB-IoT")]), f("requested"), f("nw_eDRX"), f("PTW")],
    ),
    urc("+CMT", "SMS (PDU)", &[f("alpha"), f("length")]),
    urc("+CDS", "SMS status report", &[f("length")]),
    urc("%CESQ", "signal quality", &[f("rsrp"), f("rsrp_threshold_index"), f("rsrq"), f("rsrq_threshold_index")]),
    urc("%XMODEMSLEEP", "modem sleep", &[fv("type", MODEMSLEEP), f("time_ms")]),
    urc("%MDMEV", "modem event", &[f("event")]),
    urc("%XT3412", "TAU pre-warning", &[f("time_ms")]),
    urc("%NCELLMEAS", "neighbour cells", &[f("status")]),
    urc("%XSIM", "SIM state", &[fv("state", &[(0, "not initialised"), (1, "initialised")])]),
    urc("%XTIME", "network time", &[f("local_time_zone"), f("universal_time"), f("daylight_saving_time")]),
    urc("+CMS ERROR", "SMS client unregistered (524)", &[f("code")]),
];

/// The spec of a URC, by name.
pub fn urc_spec(name: &str) -> Option<&'static UrcSpec> {
    URCS.iter().find(|u| u.name.eq_ignore_ascii_case(name))
}
