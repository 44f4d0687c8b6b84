//! The SLM knowledge base as data: commands, URCs, value meanings, promises and timeouts.
//!
//! Sources: `slm-protocol.md` (SLM v2.1.2 source and docs, later versions to the final SLM, the
//! nRF91 AT command reference). One table per kind of fact; the code in [`super`] and in
//! [`crate::rules`] only interprets them. To teach atscope a new command, add a row here.

/// A value of a parameter and what it means.
pub type Values = &'static [(i64, &'static str)];

/// A parameter (or a URC field): its name and, when it is an enumeration, its values.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Name as the SLM documentation gives it.
    pub name: &'static str,
    /// Known values and their meanings.
    pub values: Values,
}

const fn f(name: &'static str) -> Field {
    Field { name, values: &[] }
}

const fn fv(name: &'static str, values: Values) -> Field {
    Field { name, values }
}

/// A command the SLM or the modem understands.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// `#XMQTTCON`, `+CFUN`, `%CMNG`.
    pub name: &'static str,
    /// What it does, in a few words.
    pub summary: &'static str,
    /// Set-form parameters.
    pub params: &'static [Field],
    /// Longest time to the final result, ms (§4.10). 0: none known (user timeouts, blocking).
    pub timeout_ms: u64,
    /// A parameter that is itself the timeout: (index, ms per unit); 0 in it means "forever".
    pub user_timeout: Option<(usize, u64)>,
    /// First SLM version that has it (`None`: v2.1.x or the modem).
    pub since: Option<(u16, u16)>,
    /// First SLM version that no longer has it.
    pub removed: Option<(u16, u16)>,
    /// `+CME ERROR` codes with their meaning for this command.
    pub cme: Values,
}

const fn cmd(name: &'static str, summary: &'static str, params: &'static [Field], timeout_ms: u64) -> CommandSpec {
    CommandSpec { name, summary, params, timeout_ms, user_timeout: None, since: None, removed: None, cme: &[] }
}

impl CommandSpec {
    /// Whether SLM `v` has this command.
    pub fn exists_in(&self, v: crate::slm::SlmVersion) -> bool {
        crate::slm::version::in_releases(v, self.since, self.removed)
    }

    /// `added in v2.6`, `removed in v2.5`, for messages.
    pub fn lifetime(&self) -> String {
        match (self.since, self.removed) {
            (Some((a, b)), None) => format!("added in v{a}.{b}"),
            (None, Some((a, b))) => format!("removed in v{a}.{b}"),
            (Some((a, b)), Some((c, d))) => format!("v{a}.{b} to v{c}.{d}"),
            (None, None) => "in every version".into(),
        }
    }
}

/// Default timeout for modem (`+`/`%`) commands the table does not list (§9 rule 5).
pub const DEFAULT_MODEM_TIMEOUT_MS: u64 = 5_000;
/// Default timeout for SLM `#X` commands the table does not list.
pub const DEFAULT_SLM_TIMEOUT_MS: u64 = 10_000;

const ONOFF: Values = &[(0, "off"), (1, "on")];
const SOCK_OP: Values = &[(0, "close"), (1, "open IPv4"), (2, "open IPv6")];
const PROXY_OP: Values = &[(0, "stop/disconnect"), (1, "IPv4"), (2, "IPv6")];
const SOCK_TYPE: Values = &[(1, "TCP (stream)"), (2, "UDP (datagram)"), (3, "raw")];
const SSOCK_TYPE: Values = &[(1, "TLS 1.2"), (2, "DTLS 1.2")];
const ROLE: Values = &[(0, "client"), (1, "server")];
const MQTT_OP: Values = &[(0, "disconnect"), (1, "connect IPv4"), (2, "connect IPv6")];
const QOS: Values = &[(0, "at most once"), (1, "at least once"), (2, "exactly once")];
const CLOUD_OP: Values = &[(0, "disconnect"), (1, "connect"), (2, "send a message (data mode)")];
const FOTA_OP: Values = &[
    (0, "cancel"),
    (1, "application FOTA"),
    (2, "modem delta FOTA"),
    (3, "full modem FOTA"),
    (6, "read image info"),
    (7, "read modem scratch"),
    (8, "erase MCUboot slot"),
    (9, "erase modem scratch"),
];
const CMNG_OP: Values = &[(0, "write"), (1, "list"), (2, "read"), (3, "delete")];
/// Modem credential types (`%CMNG`).
pub const CRED_TYPE: Values = &[
    (0, "root CA certificate"),
    (1, "client certificate"),
    (2, "client private key"),
    (3, "PSK"),
    (4, "PSK identity"),
    (5, "public key"),
    (6, "device identity public key"),
    (8, "endorsement key"),
    (9, "ownership key"),
    (10, "Nordic identity root CA"),
    (11, "Nordic base public key"),
    (13, "asset encryption key"),
];
/// Native-TLS credential types (`#XCMNG`).
pub const XCMNG_TYPE: Values = &[
    (0, "CA certificate"),
    (1, "client/server certificate"),
    (2, "private key"),
    (3, "PSK"),
    (4, "PSK identity"),
    (5, "public key"),
];
const CFUN: Values = &[
    (0, "power off (stores NVM)"),
    (1, "normal"),
    (2, "receive only"),
    (4, "flight mode"),
    (20, "LTE off"),
    (21, "LTE on"),
    (30, "GNSS off"),
    (31, "GNSS on"),
    (40, "UICC off"),
    (41, "UICC on"),
    (44, "flight mode, UICC kept"),
];
const SLEEP: Values = &[(0, "deprecated (ERROR)"), (1, "sleep (System OFF)"), (2, "idle")];
const GPS_OP: Values = &[(0, "stop"), (1, "start")];

const MODEM_STATE_CME: Values = &[
    (513, "not found"),
    (514, "no access / not allowed"),
    (515, "memory full"),
    (518, "not allowed in active state: the modem must be in AT+CFUN=4 or AT+CFUN=0 first"),
    (519, "already exists"),
    (528, "not allowed while the power-off warning is active"),
];
const KEYGEN_CME: Values = &[
    (514, "no access / not allowed"),
    (515, "memory full"),
    (518, "not allowed in active state: the modem must be in AT+CFUN=4 or AT+CFUN=0 first"),
    (519, "a key already exists at this sec_tag: delete it first (AT%CMNG=3,<tag>,2)"),
    (523, "key generation failed"),
];
const SYSMODE_CME: Values = &[(518, "not allowed in active state: set AT+CFUN=4 or AT+CFUN=0 first")];

/// General 3GPP TS 27.007 `+CME ERROR` codes.
pub const CME_GENERAL: Values = &[
    (0, "phone failure"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (13, "SIM failure"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (30, "no network service"),
    (31, "network timeout"),
    (50, "incorrect parameters"),
    (51, "command disabled in this build"),
    (100, "unknown"),
];

/// Every command atscope knows.
pub static COMMANDS: &[CommandSpec] = &[
    // ---- SLM generic (§4.1)
    cmd("#XSLMVER", "SLM version", &[], 2_000),
    cmd("#XSMVER", "Serial Modem version", &[], 2_000),
    CommandSpec { params: &[fv("mode", SLEEP)], ..cmd("#XSLEEP", "sleep / idle", &[], 2_000) },
    cmd("#XRESET", "reboot the nRF9160 (Ready follows)", &[], 3_000),
    cmd("#XUUID", "device UUID", &[], 5_000),
    cmd("#XCLAC", "list SLM commands", &[], 5_000),
    CommandSpec {
        removed: Some((2, 5)),
        ..cmd("#XSLMUART", "UART baud and HWFC, saved to flash", &[f("baud"), fv("hwfc", ONOFF)], 2_000)
    },
    cmd("#XDATACTRL", "data-mode send time limit", &[f("time_limit")], 2_000),
    CommandSpec { since: Some((2, 3)), ..cmd("#XSHUTDOWN", "System OFF with no wake-up", &[], 3_000) },
    CommandSpec { since: Some((2, 5)), ..cmd("#XMODEMRESET", "reset the modem (rebootless modem FOTA)", &[], 30_000) },
    cmd(
        "#XCMNG",
        "native-TLS credentials",
        &[fv("op", CMNG_OP), f("sec_tag"), fv("type", XCMNG_TYPE), f("content")],
        10_000,
    ),
    // ---- sockets (§4.2)
    cmd(
        "#XSOCKET",
        "open/close a socket",
        &[fv("op", SOCK_OP), fv("type", SOCK_TYPE), fv("role", ROLE), f("cid")],
        10_000,
    ),
    cmd(
        "#XSSOCKET",
        "open a TLS/DTLS socket",
        &[fv("op", SOCK_OP), fv("type", SSOCK_TYPE), fv("role", ROLE), f("sec_tag"), f("peer_verify"), f("cid")],
        10_000,
    ),
    cmd("#XSOCKETSELECT", "select the active socket", &[f("handle")], 2_000),
    cmd("#XSOCKETOPT", "socket option", &[fv("op", &[(0, "get"), (1, "set")]), f("name"), f("value")], 5_000),
    cmd("#XSSOCKETOPT", "TLS socket option", &[fv("op", &[(0, "get"), (1, "set")]), f("name"), f("value")], 5_000),
    cmd("#XBIND", "bind the socket", &[f("port")], 5_000),
    cmd("#XCONNECT", "connect the socket", &[f("url"), f("port")], 60_000),
    cmd("#XLISTEN", "listen", &[], 5_000),
    CommandSpec { user_timeout: Some((0, 1000)), ..cmd("#XACCEPT", "accept a connection", &[f("timeout")], 0) },
    cmd("#XSEND", "send", &[f("data"), f("flags")], 30_000),
    CommandSpec { user_timeout: Some((0, 1000)), ..cmd("#XRECV", "receive", &[f("timeout"), f("flags")], 0) },
    cmd("#XSENDTO", "send to", &[f("url"), f("port"), f("data")], 30_000),
    CommandSpec { user_timeout: Some((0, 1000)), ..cmd("#XRECVFROM", "receive from", &[f("timeout"), f("flags")], 0) },
    CommandSpec { user_timeout: Some((0, 1)), ..cmd("#XPOLL", "poll sockets", &[f("timeout"), f("handle")], 0) },
    CommandSpec { since: Some((2, 5)), ..cmd("#XAPOLL", "asynchronous poll", &[f("op"), f("events")], 5_000) },
    cmd("#XGETADDRINFO", "DNS lookup", &[f("hostname")], 60_000),
    // ---- proxies (§4.3)
    cmd("#XTCPSVR", "TCP server", &[fv("op", PROXY_OP), f("port"), f("sec_tag")], 11_000),
    cmd("#XTCPCLI", "TCP client", &[fv("op", PROXY_OP), f("url"), f("port"), f("sec_tag")], 60_000),
    cmd("#XTCPSEND", "TCP proxy send", &[f("data")], 30_000),
    cmd("#XTCPHANGUP", "drop a TCP server client", &[f("handle")], 20_000),
    cmd("#XUDPSVR", "UDP server", &[fv("op", PROXY_OP), f("port")], 11_000),
    cmd("#XUDPCLI", "UDP client", &[fv("op", PROXY_OP), f("url"), f("port"), f("sec_tag")], 60_000),
    cmd("#XUDPSEND", "UDP proxy send", &[f("data")], 30_000),
    // ---- MQTT (§4.5)
    cmd(
        "#XMQTTCON",
        "MQTT connect/disconnect",
        &[fv("op", MQTT_OP), f("client_id"), f("username"), f("password"), f("url"), f("port"), f("sec_tag")],
        65_000,
    ),
    CommandSpec {
        since: Some((2, 6)),
        ..cmd("#XMQTTCFG", "MQTT client configuration", &[f("client_id"), f("keep_alive"), f("clean_session")], 2_000)
    },
    cmd("#XMQTTSUB", "MQTT subscribe", &[f("topic"), fv("qos", QOS)], 10_000),
    cmd("#XMQTTUNSUB", "MQTT unsubscribe", &[f("topic")], 10_000),
    cmd("#XMQTTPUB", "MQTT publish", &[f("topic"), f("msg"), fv("qos", QOS), fv("retain", ONOFF)], 10_000),
    // ---- HTTP (§4.6)
    cmd("#XHTTPCCON", "HTTP client connect", &[fv("op", PROXY_OP), f("host"), f("port"), f("sec_tag")], 60_000),
    cmd(
        "#XHTTPCREQ",
        "HTTP request",
        &[f("method"), f("resource"), f("headers"), f("content_type"), f("content_length"), f("chunked")],
        0,
    ),
    // ---- GNSS and nRF Cloud (§4.7)
    cmd("#XGPS", "GNSS", &[fv("op", GPS_OP), f("interval"), f("timeout")], 10_000),
    CommandSpec { removed: Some((2, 5)), ..cmd("#XAGPS", "A-GPS", &[fv("op", GPS_OP)], 10_000) },
    CommandSpec { removed: Some((2, 5)), ..cmd("#XPGPS", "P-GPS", &[fv("op", GPS_OP)], 10_000) },
    CommandSpec {
        removed: Some((2, 5)),
        ..cmd(
            "#XCELLPOS",
            "cellular positioning",
            &[fv("op", &[(0, "stop"), (1, "single cell"), (2, "multi cell")])],
            10_000,
        )
    },
    cmd("#XGPSDEL", "delete GNSS data", &[f("mask")], 5_000),
    cmd("#XNRFCLOUD", "nRF Cloud", &[fv("op", CLOUD_OP), f("signify")], 15_000),
    CommandSpec {
        since: Some((2, 5)),
        ..cmd("#XNRFCLOUDPOS", "nRF Cloud location", &[f("cell_pos"), f("wifi_pos")], 10_000)
    },
    // ---- FOTA, ICMP, SMS, FTP, GPIO, TWI (§4.8, §4.9)
    cmd("#XFOTA", "firmware over the air", &[fv("op", FOTA_OP), f("url"), f("sec_tag"), f("pdn_id")], 30_000),
    cmd("#XPING", "ping", &[f("url"), f("length"), f("timeout"), f("count"), f("interval"), f("cid")], 60_000),
    cmd("#XSMS", "SMS", &[fv("op", &[(0, "stop"), (1, "start"), (2, "send")]), f("number"), f("text")], 30_000),
    cmd("#XFTP", "FTP client", &[f("cmd")], 60_000),
    cmd("#XGPIOCFG", "GPIO configuration", &[f("op"), f("pin")], 2_000),
    cmd("#XGPIO", "GPIO", &[fv("op", &[(0, "write"), (1, "read"), (2, "toggle")]), f("pin"), f("value")], 2_000),
    cmd("#XTWILS", "TWI list", &[], 2_000),
    cmd("#XTWIW", "TWI write", &[f("index"), f("addr"), f("data")], 2_000),
    cmd("#XTWIR", "TWI read", &[f("index"), f("addr"), f("num_read")], 2_000),
    cmd("#XTWIWR", "TWI write then read", &[f("index"), f("addr"), f("data"), f("num_read")], 2_000),
    CommandSpec { since: Some((2, 6)), ..cmd("#XPPP", "PPP", &[f("op")], 10_000) },
    CommandSpec { since: Some((2, 6)), ..cmd("#XCMUX", "CMUX", &[f("AT_channel")], 5_000) },
    // ---- modem commands seen through the SLM (§3, §5.4, §7)
    CommandSpec { params: &[fv("fun", CFUN)], ..cmd("+CFUN", "functional mode", &[], 5_000) },
    cmd(
        "+CEREG",
        "network registration URCs",
        &[fv("n", &[(0, "off"), (1, "stat"), (2, "+location"), (3, "+cause"), (4, "+PSM"), (5, "+PSM and cause")])],
        5_000,
    ),
    cmd("+CSCON", "RRC connection URCs", &[fv("n", &[(0, "off"), (1, "mode"), (2, "+state"), (3, "+access")])], 5_000),
    cmd("+CGEREP", "packet domain event URCs", &[fv("mode", ONOFF)], 5_000),
    cmd("+CMEE", "extended error results", &[fv("n", &[(0, "plain ERROR"), (1, "+CME ERROR: <n>")])], 5_000),
    cmd("+CGMR", "modem firmware version", &[], 5_000),
    cmd("+CGSN", "IMEI", &[], 5_000),
    cmd("+CGMI", "manufacturer", &[], 5_000),
    cmd("+CGMM", "model", &[], 5_000),
    cmd("+CGDCONT", "PDP context", &[f("cid"), f("PDP_type"), f("APN")], 5_000),
    cmd("+CGPADDR", "PDP addresses", &[f("cid")], 5_000),
    cmd("+COPS", "operator selection", &[f("mode"), f("format"), f("oper")], 240_000),
    cmd("+CPIN", "SIM PIN", &[f("pin")], 5_000),
    cmd("+CESQ", "signal quality", &[], 5_000),
    cmd("+CEDRXS", "eDRX", &[f("mode"), f("AcT"), f("value")], 5_000),
    cmd("+CPSMS", "PSM", &[fv("mode", ONOFF)], 5_000),
    cmd("+CNEC", "network error URCs", &[f("n")], 5_000),
    cmd("+CNMI", "SMS indications", &[], 5_000),
    CommandSpec {
        cme: MODEM_STATE_CME,
        ..cmd(
            "%CMNG",
            "modem credentials",
            &[fv("opcode", CMNG_OP), f("sec_tag"), fv("type", CRED_TYPE), f("content"), f("passwd")],
            10_000,
        )
    },
    CommandSpec {
        cme: KEYGEN_CME,
        ..cmd(
            "%KEYGEN",
            "generate a key in the modem",
            &[
                f("sec_tag"),
                fv("key_type", &[(2, "client private key"), (8, "endorsement key")]),
                fv("format", &[(0, "CSR"), (1, "public key")]),
            ],
            30_000,
        )
    },
    CommandSpec {
        cme: SYSMODE_CME,
        ..cmd(
            "%XSYSTEMMODE",
            "system mode",
            &[
                fv("LTE-M", ONOFF),
                fv("NB-IoT", ONOFF),
                fv("GNSS", ONOFF),
                fv(
                    "preference",
                    &[
                        (0, "auto"),
                        (1, "LTE-M"),
                        (2, "NB-IoT"),
                        (3, "LTE-M, PLMN priority"),
                        (4, "NB-IoT, PLMN priority"),
                    ],
                ),
            ],
            5_000,
        )
    },
    CommandSpec { cme: SYSMODE_CME, ..cmd("%XBANDLOCK", "band lock", &[f("operation"), f("band_mask")], 5_000) },
    cmd("%XMODEMSLEEP", "modem sleep URCs", &[fv("n", ONOFF), f("warn_ms"), f("threshold_ms")], 5_000),
    cmd("%CESQ", "signal quality URCs", &[fv("n", ONOFF)], 5_000),
    cmd("%MDMEV", "modem event URCs", &[f("n")], 5_000),
    cmd("%XICCID", "SIM ICCID", &[], 5_000),
    cmd("%NCELLMEAS", "neighbour cell measurement", &[f("search_type")], 5_000),
    cmd("%XT3412", "TAU pre-warning", &[f("n"), f("warn_ms")], 5_000),
    cmd("%XSIM", "SIM state URCs", &[fv("n", ONOFF)], 5_000),
    cmd("%XPOFWARN", "power-off warning", &[], 5_000),
    cmd("%XTIME", "network time URCs", &[fv("n", ONOFF)], 5_000),
    cmd("", "attention (bare AT)", &[], 5_000),
];

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
const FOTA_STATUS: Values = &[(0, "OK"), (1, "error"), (2, "cancelled"), (3, "reverted")];
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

/// When a command promises a later URC.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// Whenever the command succeeds.
    Always,
    /// Parameter `i` is one of these values.
    Param(usize, &'static [i64]),
}

/// From when the promise's deadline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// From the final `OK` (the URC comes after it).
    Ok,
    /// From the command itself: the URC may come before or after `OK`.
    Sent,
}

/// A URC a command promises (§4, §9): `#XMQTTCON=1` → `#XMQTTEVT: 0,<r>`.
#[derive(Debug, Clone, Copy)]
pub struct Promise {
    /// The command.
    pub command: &'static str,
    /// For which parameters.
    pub when: When,
    /// The URC name (`Ready` for a reset).
    pub urc: &'static str,
    /// Accepted values of the URC's first field (empty: any).
    pub first: &'static [i64],
    /// What the URC means, for the message.
    pub label: &'static str,
    /// How long it may take, ms.
    pub within_ms: u64,
    /// Counted from.
    pub from: From,
    /// Where the window comes from: a source citation, or `heuristic`.
    pub window_source: &'static str,
}

/// Every promise atscope checks.
pub static PROMISES: &[Promise] = &[
    Promise {
        command: "#XMQTTCON",
        when: When::Param(0, &[1, 2]),
        urc: "#XMQTTEVT",
        first: &[0],
        label: "CONNACK",
        within_ms: 10_000,
        window_source: "heuristic: one broker round trip after CONNECT was sent; MQTT sets no limit (the SLM itself gives up at the keep-alive, 60 s)",
        from: From::Ok,
    },
    Promise {
        command: "#XMQTTCON",
        when: When::Param(0, &[0]),
        urc: "#XMQTTEVT",
        first: &[1],
        label: "DISCONNECT",
        within_ms: 65_000,
        window_source: "source: slm_at_mqtt.c waits up to CONFIG_MQTT_KEEPALIVE = 60 s for the MQTT thread",
        from: From::Sent,
    },
    Promise {
        command: "#XMQTTSUB",
        when: When::Always,
        urc: "#XMQTTEVT",
        first: &[7],
        label: "SUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
    },
    Promise {
        command: "#XMQTTUNSUB",
        when: When::Always,
        urc: "#XMQTTEVT",
        first: &[8],
        label: "UNSUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
    },
    Promise {
        command: "#XMQTTPUB",
        when: When::Param(2, &[1]),
        urc: "#XMQTTEVT",
        first: &[3],
        label: "PUBACK",
        within_ms: 30_000,
        window_source: "heuristic: one broker round trip",
        from: From::Ok,
    },
    Promise {
        command: "#XMQTTPUB",
        when: When::Param(2, &[2]),
        urc: "#XMQTTEVT",
        first: &[6],
        label: "PUBCOMP",
        within_ms: 30_000,
        window_source: "heuristic: two broker round trips",
        from: From::Ok,
    },
    Promise {
        command: "#XNRFCLOUD",
        when: When::Param(0, &[1]),
        urc: "#XNRFCLOUD",
        first: &[1],
        label: "cloud READY",
        within_ms: 30_000,
        window_source: "heuristic: a connect to nRF Cloud normally takes seconds",
        from: From::Ok,
    },
    Promise {
        command: "#XNRFCLOUD",
        when: When::Param(0, &[0]),
        urc: "#XNRFCLOUD",
        first: &[0],
        label: "cloud disconnected",
        within_ms: 30_000,
        window_source: "heuristic",
        from: From::Sent,
    },
    Promise {
        command: "#XFOTA",
        when: When::Param(0, &[1, 2, 3]),
        urc: "#XFOTA",
        first: &[4],
        label: "downloaded, to be activated",
        within_ms: 600_000,
        window_source: "heuristic: a download of a few hundred KB over LTE-M",
        from: From::Ok,
    },
    Promise {
        command: "#XHTTPCREQ",
        when: When::Always,
        urc: "#XHTTPCREQ",
        first: &[0],
        label: "request sent",
        within_ms: 60_000,
        window_source: "heuristic: the v2.1.2 HTTP request itself has no timeout (SYS_FOREVER_MS)",
        from: From::Ok,
    },
    Promise {
        command: "#XRESET",
        when: When::Always,
        urc: "Ready",
        first: &[],
        label: "reboot",
        // 1–2 s normally (§4.10); MCUboot swapping a FOTA image on the way takes longer.
        within_ms: 30_000,
        window_source:
            "source: slm_at_host.c: CFUN=0 then a 1 s sleep before the reboot; MCUboot swapping an image takes longer",
        from: From::Ok,
    },
];

/// The promises a command in `form` with `params` makes (Set and Exec forms only).
pub fn promises_of<'a>(
    name: &'a str,
    form: Option<crate::at::grammar::Form>,
    params: &'a [crate::at::grammar::Param],
) -> impl Iterator<Item = &'static Promise> + 'a {
    use crate::at::grammar::{Form, Param};
    let made = matches!(form, Some(Form::Set | Form::Exec));
    PROMISES.iter().filter(move |p| {
        made && p.command.eq_ignore_ascii_case(name)
            && match p.when {
                When::Always => true,
                When::Param(i, vals) => params.get(i).and_then(Param::as_int).is_some_and(|v| vals.contains(&v)),
            }
    })
}

impl Promise {
    /// Whether a URC named `name` with `params` is the one promised (`#XMQTTEVT: 0,…` for CONNACK).
    pub fn kept_by(&self, name: &str, params: &[crate::at::grammar::Param]) -> bool {
        self.urc.eq_ignore_ascii_case(name)
            && (self.first.is_empty()
                || params.first().and_then(crate::at::grammar::Param::as_int).is_some_and(|v| self.first.contains(&v)))
    }
}

/// The `#XFOTA` URC that ends a FOTA early (stage, status ≠ 0) also settles the promise.
pub fn fota_failed(fields: &[i64]) -> bool {
    fields.get(1).is_some_and(|&s| s != 0)
}

/// The spec of a command, by name (case-insensitive).
pub fn command(name: &str) -> Option<&'static CommandSpec> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static CommandSpec>> =
        std::sync::OnceLock::new();
    let map = BY_NAME.get_or_init(|| COMMANDS.iter().map(|c| (c.name, c)).collect());
    // The grammar upper-cases names; other callers may not.
    match map.get(name) {
        Some(c) => Some(c),
        None if name.bytes().any(|b| b.is_ascii_lowercase()) => map.get(&*name.to_ascii_uppercase()).copied(),
        None => None,
    }
}

/// The spec of a URC, by name.
pub fn urc_spec(name: &str) -> Option<&'static UrcSpec> {
    URCS.iter().find(|u| u.name.eq_ignore_ascii_case(name))
}

/// The meaning of `v` in `values`.
pub fn lookup(values: Values, v: i64) -> Option<&'static str> {
    values.iter().find(|(k, _)| *k == v).map(|(_, m)| *m)
}

/// The longest a command may take before its final result, ms; `None` when unbounded.
pub fn timeout_ms(name: &str, params: &[crate::at::grammar::Param]) -> Option<u64> {
    match command(name) {
        Some(spec) => {
            if let Some((i, unit)) = spec.user_timeout {
                let v = params.get(i).and_then(crate::at::grammar::Param::as_int)?;
                if v <= 0 {
                    return None;
                }
                return Some((v as u64).saturating_mul(unit).saturating_add(2_000));
            }
            (spec.timeout_ms > 0).then_some(spec.timeout_ms)
        }
        None if name.starts_with('#') => Some(DEFAULT_SLM_TIMEOUT_MS),
        None => Some(DEFAULT_MODEM_TIMEOUT_MS),
    }
}

/// Milliseconds as nanoseconds, saturating (user timeouts can be any number).
pub fn ms_to_ns(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX).saturating_mul(1_000_000)
}

/// When a command's `OK` puts the SLM into data mode: the send-type commands issued without
/// their payload (§4.4).
#[derive(Debug, Clone, Copy)]
pub enum DataModeWhen {
    /// Exec form, or Set with parameter `i` absent or empty (`AT#XSEND`, `AT#XSEND=""`).
    ExecOrNoPayloadAt(usize),
    /// Set form with parameter `i` absent or empty (`AT#XMQTTPUB="topic"`).
    NoPayloadAt(usize),
    /// Set form with at most `n` parameters (the payload would be the next one).
    AtMostParams(usize),
    /// Set form with parameter 0 equal to this value (`AT#XNRFCLOUD=2`).
    Op(i64),
    /// Set form whose first parameter is one of these FTP commands, with at most `n` parameters.
    FtpOp(&'static [&'static str], usize),
}

/// The commands that enter data mode, and when.
pub static DATA_MODE: &[(&str, DataModeWhen)] = &[
    ("#XSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XTCPSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XUDPSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XSENDTO", DataModeWhen::AtMostParams(2)),
    ("#XMQTTPUB", DataModeWhen::NoPayloadAt(1)),
    ("#XNRFCLOUD", DataModeWhen::Op(2)),
    ("#XFTP", DataModeWhen::FtpOp(&["put", "mput"], 2)),
    ("#XFTP", DataModeWhen::FtpOp(&["uput"], 1)),
];

/// Whether `OK` to command `name` in `form` with `params` puts the SLM into data mode.
pub fn enters_data_mode(name: &str, form: crate::at::grammar::Form, params: &[crate::at::grammar::Param]) -> bool {
    use crate::at::grammar::{Form, Param};
    let empty = |i: usize| match params.get(i) {
        None | Some(Param::Empty) => true,
        Some(Param::Str(s)) => s.is_empty(),
        _ => false,
    };
    DATA_MODE.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).any(|(_, when)| match *when {
        DataModeWhen::ExecOrNoPayloadAt(i) => form == Form::Exec || (form == Form::Set && empty(i)),
        DataModeWhen::NoPayloadAt(i) => form == Form::Set && empty(i),
        DataModeWhen::AtMostParams(n) => form == Form::Set && params.len() <= n,
        DataModeWhen::Op(v) => form == Form::Set && params.first().and_then(Param::as_int) == Some(v),
        DataModeWhen::FtpOp(ops, n) => {
            let op = params.first().and_then(Param::as_text).unwrap_or("");
            form == Form::Set && params.len() <= n && ops.iter().any(|o| o.eq_ignore_ascii_case(op))
        }
    })
}

/// Commands answered by lines of another name: (command, the answer's prefix). v2.1.2's `#XCMNG`
/// read prints a `%CMNG:` line; `#XTCPHANGUP` answers with `#XTCPSVR`.
pub static ANSWER_ALIASES: &[(&str, &str)] = &[("#XCMNG", "%CMNG"), ("#XTCPHANGUP", "#XTCPSVR")];

/// Where a modem-TLS service takes its sec_tag from.
#[derive(Debug, Clone, Copy)]
pub enum SecTag {
    /// Always this tag (nRF Cloud: `CONFIG_NRF_CLOUD_SEC_TAG`).
    Fixed(i64),
    /// A parameter: (first version, index) rows, the newest that applies wins.
    Param(&'static [((u16, u16), usize)]),
}

/// A service that runs TLS in the modem with a sec_tag the host names (§5): the credentials must
/// be in modem storage at that tag, as the modem reads them.
#[derive(Debug, Clone, Copy)]
pub struct ModemTls {
    /// The command.
    pub command: &'static str,
    /// For messages.
    pub service: &'static str,
    /// The values of parameter 0 that connect.
    pub ops: &'static [i64],
    /// Where the sec_tag is.
    pub sec_tag: SecTag,
    /// The credential types the handshake needs.
    pub needs: &'static [i64],
    /// The version from which a native-TLS build runs this service in the SLM instead.
    pub native_from: Option<(u16, u16)>,
}

impl ModemTls {
    /// The parameter index of the sec_tag in SLM `v`.
    pub fn sec_tag_index(&self, v: crate::slm::SlmVersion) -> Option<usize> {
        match self.sec_tag {
            SecTag::Fixed(_) => None,
            SecTag::Param(rows) => rows.iter().rev().find(|(since, _)| (v.major, v.minor) >= *since).map(|r| r.1),
        }
    }
}

/// The modem-TLS services (source: `slm_at_mqtt.c`, `slm_at_tcp_proxy.c`, `slm_at_udp_proxy.c`,
/// `slm_at_socket.c`, `nrf_cloud_transport.c` at each tag).
pub static MODEM_TLS: &[ModemTls] = &[
    ModemTls {
        command: "#XNRFCLOUD",
        service: "#XNRFCLOUD (nRF Cloud)",
        ops: &[1],
        sec_tag: SecTag::Fixed(16_842_753),
        needs: &[0, 1, 2],
        native_from: None,
    },
    ModemTls {
        command: "#XMQTTCON",
        service: "#XMQTTCON",
        ops: &[1, 2],
        // v2.6 moved the client id to #XMQTTCFG, so the sec_tag moved one place left.
        sec_tag: SecTag::Param(&[((0, 0), 6), ((2, 6), 5)]),
        needs: &[0],
        native_from: None,
    },
    ModemTls {
        command: "#XTCPCLI",
        service: "#XTCPCLI",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        // v2.6: a native-TLS build sets TLS_NATIVE on the proxy socket.
        native_from: Some((2, 6)),
    },
    ModemTls {
        command: "#XUDPCLI",
        service: "#XUDPCLI",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        native_from: Some((2, 6)),
    },
    ModemTls {
        command: "#XSSOCKET",
        service: "#XSSOCKET",
        ops: &[1, 2],
        sec_tag: SecTag::Param(&[((0, 0), 3)]),
        needs: &[0],
        // v2.1–v2.5 load the mapped credentials but open a modem-TLS socket with the raw tag.
        native_from: Some((2, 6)),
    },
];

/// The modem-TLS row a connecting command uses in SLM `v`, if any.
pub fn modem_tls(
    name: &str,
    params: &[crate::at::grammar::Param],
    v: crate::slm::SlmVersion,
) -> Option<&'static ModemTls> {
    let op = params.first().and_then(crate::at::grammar::Param::as_int)?;
    MODEM_TLS.iter().find(|r| {
        r.command.eq_ignore_ascii_case(name)
            && r.ops.contains(&op)
            && r.native_from.is_none_or(|n| (v.major, v.minor) < n)
    })
}
