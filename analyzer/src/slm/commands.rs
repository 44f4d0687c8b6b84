//! Commands: what each does, its parameters and values, its `+CME ERROR` codes, its maximum
//! time, and in which releases it exists (`since`/`removed`, checked against the SLM source at
//! each tag). This file is long because it is data: one row per command; the logic is the few
//! functions at its end.

use super::fields::{f, fv, Field, Values, ONOFF};
use super::version::SERIAL_MODEM as SM;

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

/// A row only the Serial Modem has (new, or redesigned from the SLM's row of that name).
const fn sm(c: CommandSpec) -> CommandSpec {
    CommandSpec { since: Some(SM), ..c }
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
        use crate::slm::version::SERIAL_MODEM;
        match (self.since, self.removed) {
            (Some(SERIAL_MODEM), _) => "a Serial Modem command, not in any SLM".into(),
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

const SOCK_OP: Values = &[(0, "close"), (1, "open IPv4"), (2, "open IPv6")];
const SM_FAMILY: Values = &[(1, "IPv4"), (2, "IPv6"), (3, "packet (raw)")];
const SM_SEND_MODE: Values = &[(0, "string"), (1, "hex string"), (2, "data mode")];
const SM_RECV_MODE: Values = &[(0, "binary"), (1, "hex string")];
const PROXY_OP: Values = &[(0, "stop/disconnect"), (1, "IPv4"), (2, "IPv6")];
const SOCK_TYPE: Values = &[(1, "TCP (stream)"), (2, "UDP (datagram)"), (3, "raw")];
const SSOCK_TYPE: Values = &[(1, "TLS 1.2"), (2, "DTLS 1.2")];
const ROLE: Values = &[(0, "client"), (1, "server")];
const MQTT_OP: Values = &[(0, "disconnect"), (1, "connect IPv4"), (2, "connect IPv6")];
const QOS: Values = &[(0, "at most once"), (1, "at least once"), (2, "exactly once")];
const CLOUD_OP: Values = &[(0, "disconnect"), (1, "connect"), (2, "send a message (data mode)")];
/// `#XFOTA` operations (slm_at_fota.c): 3 was pause/resume until v2.4 and is full modem FOTA
/// from v2.5, where pause/resume became 4 and 6/8 (MCUboot slot) went away.
const FOTA_OP: Values = &[
    (0, "cancel"),
    (1, "application FOTA"),
    (2, "modem delta FOTA"),
    (3, "full modem FOTA (v2.5+; pause/resume before)"),
    (4, "pause/resume (v2.5+)"),
    (6, "read image info (before v2.5)"),
    (7, "read modem scratch"),
    (8, "erase MCUboot slot (before v2.5)"),
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
pub const XCMNG_TYPE: Values =
    &[(0, "CA certificate"), (1, "client/server certificate"), (2, "private key"), (3, "PSK"), (4, "PSK identity")];
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
    (518, "not allowed in active state: not in AT+CFUN=1, 2 or 21; set AT+CFUN=4 (or 0) first"),
    (519, "already exists"),
    (528, "not allowed while the power-off warning is active"),
];
const KEYGEN_CME: Values = &[
    (514, "no access / not allowed"),
    (515, "memory full"),
    (518, "not allowed in active state: not in AT+CFUN=1, 2 or 21; set AT+CFUN=4 (or 0) first"),
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
    CommandSpec { removed: Some(SM), ..cmd("#XSLMVER", "SLM version", &[], 2_000) },
    // ncs-serial-modem renamed #XSLMVER to #XSMVER (add-on v0.2.0); no SLM release has it.
    CommandSpec {
        since: Some(crate::slm::version::SERIAL_MODEM),
        ..cmd("#XSMVER", "Serial Modem version", &[], 2_000)
    },
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
    CommandSpec {
        removed: Some(SM),
        ..cmd(
            "#XCMNG",
            "native-TLS credentials",
            &[fv("op", CMNG_OP), f("sec_tag"), fv("type", XCMNG_TYPE), f("content")],
            10_000,
        )
    },
    // ---- sockets (§4.2)
    CommandSpec {
        removed: Some(SM),
        ..cmd(
            "#XSOCKET",
            "open/close a socket",
            &[fv("op", SOCK_OP), fv("type", SOCK_TYPE), fv("role", ROLE), f("cid")],
            10_000,
        )
    },
    CommandSpec {
        removed: Some(SM),
        ..cmd(
            "#XSSOCKET",
            "open a TLS/DTLS socket",
            &[fv("op", SOCK_OP), fv("type", SSOCK_TYPE), fv("role", ROLE), f("sec_tag"), f("peer_verify"), f("cid")],
            10_000,
        )
    },
    CommandSpec { removed: Some(SM), ..cmd("#XSOCKETSELECT", "select the active socket", &[f("handle")], 2_000) },
    cmd("#XSOCKETOPT", "socket option", &[fv("op", &[(0, "get"), (1, "set")]), f("name"), f("value")], 5_000),
    cmd("#XSSOCKETOPT", "TLS socket option", &[fv("op", &[(0, "get"), (1, "set")]), f("name"), f("value")], 5_000),
    CommandSpec { removed: Some(SM), ..cmd("#XBIND", "bind the socket", &[f("port")], 5_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XCONNECT", "connect the socket", &[f("url"), f("port")], 60_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XLISTEN", "listen", &[], 5_000) },
    CommandSpec {
        user_timeout: Some((0, 1000)),
        removed: Some(SM),
        ..cmd("#XACCEPT", "accept a connection", &[f("timeout")], 0)
    },
    CommandSpec { removed: Some(SM), ..cmd("#XSEND", "send", &[f("data"), f("flags")], 30_000) },
    CommandSpec {
        user_timeout: Some((0, 1000)),
        removed: Some(SM),
        ..cmd("#XRECV", "receive", &[f("timeout"), f("flags")], 0)
    },
    CommandSpec { removed: Some(SM), ..cmd("#XSENDTO", "send to", &[f("url"), f("port"), f("data")], 30_000) },
    CommandSpec {
        user_timeout: Some((0, 1000)),
        removed: Some(SM),
        ..cmd("#XRECVFROM", "receive from", &[f("timeout"), f("flags")], 0)
    },
    // 0 makes poll() return at once (not "forever"); no deadline is kept for it either way.
    CommandSpec {
        user_timeout: Some((0, 1)),
        removed: Some(SM),
        ..cmd("#XPOLL", "poll sockets", &[f("timeout"), f("handle")], 0)
    },
    // v3.1.0 (release notes, "Added: the AT#XAPOLL command"); in no tag from v2.0 to v2.9.
    CommandSpec { since: Some((3, 1)), ..cmd("#XAPOLL", "asynchronous poll", &[f("op"), f("events")], 5_000) },
    cmd("#XGETADDRINFO", "DNS lookup", &[f("hostname")], 60_000),
    // ---- Serial Modem sockets: handle-based (ncs-serial-modem v1.0.1 doc/app/at_socket.rst,
    // doc/migration_notes.rst "Socket AT command changes"; sm_at_socket.c)
    sm(cmd(
        "#XSOCKET",
        "open a socket",
        &[fv("family", SM_FAMILY), fv("type", SOCK_TYPE), fv("role", ROLE), f("cid")],
        10_000,
    )),
    sm(cmd(
        "#XSSOCKET",
        "open a TLS/DTLS socket",
        &[fv("family", SM_FAMILY), fv("type", SSOCK_TYPE), fv("role", ROLE), f("sec_tag"), f("peer_verify"), f("cid")],
        10_000,
    )),
    sm(cmd("#XCLOSE", "close a socket (all without a handle)", &[f("handle")], 10_000)),
    sm(cmd("#XBIND", "bind the socket", &[f("handle"), f("port")], 5_000)),
    sm(cmd("#XCONNECT", "connect the socket", &[f("handle"), f("url"), f("port")], 60_000)),
    sm(cmd("#XSEND", "send", &[f("handle"), fv("mode", SM_SEND_MODE), f("flags"), f("data")], 30_000)),
    CommandSpec {
        user_timeout: Some((3, 1000)),
        ..sm(cmd(
            "#XRECV",
            "receive",
            &[f("handle"), fv("mode", SM_RECV_MODE), f("flags"), f("timeout"), f("data_len")],
            0,
        ))
    },
    sm(cmd(
        "#XSENDTO",
        "send to",
        &[f("handle"), fv("mode", SM_SEND_MODE), f("flags"), f("url"), f("port"), f("data")],
        30_000,
    )),
    CommandSpec {
        user_timeout: Some((3, 1000)),
        ..sm(cmd(
            "#XRECVFROM",
            "receive from",
            &[f("handle"), fv("mode", SM_RECV_MODE), f("flags"), f("timeout"), f("data_len")],
            0,
        ))
    },
    sm(cmd(
        "#XRECVCFG",
        "automatic reception",
        &[f("handle"), f("auto_reception_flags"), fv("hex_format", ONOFF)],
        2_000,
    )),
    // ---- proxies (§4.3)
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XTCPSVR", "TCP server", &[fv("op", PROXY_OP), f("port"), f("sec_tag")], 11_000)
    },
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XTCPCLI", "TCP client", &[fv("op", PROXY_OP), f("url"), f("port"), f("sec_tag")], 60_000)
    },
    CommandSpec { removed: Some(SM), ..cmd("#XTCPSEND", "TCP proxy send", &[f("data")], 30_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XTCPHANGUP", "drop a TCP server client", &[f("handle")], 20_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XUDPSVR", "UDP server", &[fv("op", PROXY_OP), f("port")], 11_000) },
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XUDPCLI", "UDP client", &[fv("op", PROXY_OP), f("url"), f("port"), f("sec_tag")], 60_000)
    },
    CommandSpec { removed: Some(SM), ..cmd("#XUDPSEND", "UDP proxy send", &[f("data")], 30_000) },
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
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XHTTPCCON", "HTTP client connect", &[fv("op", PROXY_OP), f("host"), f("port"), f("sec_tag")], 60_000)
    },
    CommandSpec {
        removed: Some(SM),
        ..cmd(
            "#XHTTPCREQ",
            "HTTP request",
            &[f("method"), f("resource"), f("headers"), f("content_type"), f("content_length"), f("chunked")],
            0,
        )
    },
    // ---- GNSS and nRF Cloud (§4.7)
    CommandSpec { removed: Some(SM), ..cmd("#XGPS", "GNSS", &[fv("op", GPS_OP), f("interval"), f("timeout")], 10_000) },
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
    CommandSpec { removed: Some(SM), ..cmd("#XGPSDEL", "delete GNSS data", &[f("mask")], 5_000) },
    sm(cmd("#XGNSS", "GNSS", &[fv("op", GPS_OP), fv("cloud_assistance", ONOFF), f("interval"), f("timeout")], 10_000)),
    sm(cmd("#XGNSSDEL", "delete GNSS data", &[f("mask")], 5_000)),
    cmd("#XNRFCLOUD", "nRF Cloud", &[fv("op", CLOUD_OP), f("signify")], 15_000),
    CommandSpec {
        since: Some((2, 5)),
        ..cmd("#XNRFCLOUDPOS", "nRF Cloud location", &[f("cell_pos"), f("wifi_pos")], 10_000)
    },
    // ---- FOTA, ICMP, SMS, FTP, GPIO, TWI (§4.8, §4.9)
    cmd("#XFOTA", "firmware over the air", &[fv("op", FOTA_OP), f("url"), f("sec_tag"), f("pdn_id")], 30_000),
    cmd("#XPING", "ping", &[f("url"), f("length"), f("timeout"), f("count"), f("interval"), f("cid")], 60_000),
    cmd("#XSMS", "SMS", &[fv("op", &[(0, "stop"), (1, "start"), (2, "send")]), f("number"), f("text")], 30_000),
    CommandSpec { removed: Some(SM), ..cmd("#XFTP", "FTP client", &[f("cmd")], 60_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XGPIOCFG", "GPIO configuration", &[f("op"), f("pin")], 2_000) },
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XGPIO", "GPIO", &[fv("op", &[(0, "write"), (1, "read"), (2, "toggle")]), f("pin"), f("value")], 2_000)
    },
    CommandSpec { removed: Some(SM), ..cmd("#XTWILS", "TWI list", &[], 2_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XTWIW", "TWI write", &[f("index"), f("addr"), f("data")], 2_000) },
    CommandSpec { removed: Some(SM), ..cmd("#XTWIR", "TWI read", &[f("index"), f("addr"), f("num_read")], 2_000) },
    CommandSpec {
        removed: Some(SM),
        ..cmd("#XTWIWR", "TWI write then read", &[f("index"), f("addr"), f("data"), f("num_read")], 2_000)
    },
    CommandSpec { since: Some((2, 6)), ..cmd("#XPPP", "PPP", &[f("op")], 10_000) },
    CommandSpec { since: Some((2, 6)), ..cmd("#XCMUX", "CMUX", &[f("AT_channel")], 5_000) },
    // A file transfer over the network: no bound in the source.
    CommandSpec { since: Some((2, 3)), removed: Some(SM), ..cmd("#XTFTP", "TFTP client", &[f("op"), f("url")], 0) },
    CommandSpec { since: Some((2, 3)), ..cmd("#XCARRIER", "LwM2M carrier library", &[f("cmd")], 10_000) },
    CommandSpec { since: Some((2, 6)), ..cmd("#XCARRIERCFG", "LwM2M carrier configuration", &[f("cmd")], 10_000) },
    CommandSpec {
        since: Some((2, 4)),
        removed: Some((2, 5)),
        ..cmd("#XWIFIPOS", "Wi-Fi positioning", &[f("op")], 10_000)
    },
    // DFU of a companion chip (dfu/slm_at_dfu.c), removed in v2.5; the download has no bound.
    CommandSpec { removed: Some((2, 5)), ..cmd("#XDFUGET", "DFU image download", &[f("op"), f("host")], 0) },
    CommandSpec { removed: Some((2, 5)), ..cmd("#XDFUSIZE", "DFU image size", &[], 10_000) },
    CommandSpec { removed: Some((2, 5)), ..cmd("#XDFURUN", "DFU run", &[f("delay")], 10_000) },
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

/// The spec of a command, by name (case-insensitive).
pub fn command(name: &str) -> Option<&'static CommandSpec> {
    rows(name).first().copied()
}

/// The row of `name` that SLM (or Serial Modem) `v` has; the first row when none has it (for a
/// message that says so). A command the Serial Modem redesigned has a row of its own.
pub fn command_in(name: &str, v: crate::slm::SlmVersion) -> Option<&'static CommandSpec> {
    let rows = rows(name);
    rows.iter().find(|c| c.exists_in(v)).or(rows.first()).copied()
}

/// Every row of `name` (one per redesign), in table order.
fn rows(name: &str) -> &'static [&'static CommandSpec] {
    type ByName = rustc_hash::FxHashMap<&'static str, Vec<&'static CommandSpec>>;
    static BY_NAME: std::sync::OnceLock<ByName> = std::sync::OnceLock::new();
    let map = BY_NAME.get_or_init(|| {
        let mut m = ByName::default();
        for c in COMMANDS {
            m.entry(c.name).or_default().push(c);
        }
        m
    });
    // The grammar upper-cases names; other callers may not.
    match map.get(name) {
        Some(c) => c,
        None if name.bytes().any(|b| b.is_ascii_lowercase()) => {
            map.get(&*name.to_ascii_uppercase()).map(Vec::as_slice).unwrap_or(&[])
        }
        None => &[],
    }
}

/// The longest a command may take before its final result, ms; `None` when unbounded.
pub fn timeout_ms(name: &str, params: &[crate::at::grammar::Param], v: crate::slm::SlmVersion) -> Option<u64> {
    match command_in(name, v) {
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

/// What the Serial Modem has instead of an SLM command it dropped (doc/migration_notes.rst at
/// ncs-serial-modem v1.0.1, and its command list: `SM_AT_CMD_CUSTOM` in app/src).
pub static SM_SUCCESSORS: &[(&str, &str)] = &[
    ("#XSLMVER", "AT#XSMVER (renamed)"),
    ("#XGPS", "AT#XGNSS (renamed; <op>,<cloud_assistance>,<interval>[,<timeout>])"),
    ("#XGPSDEL", "AT#XGNSSDEL (renamed)"),
    (
        "#XCMNG",
        "AT%CMNG: the Serial Modem has no native TLS; credentials go to the modem and sockets take a modem sec_tag",
    ),
    ("#XSOCKETSELECT", "the socket handle that every Serial Modem socket command takes"),
    ("#XTCPCLI", "AT#XSOCKET then AT#XCONNECT=<handle>,… (no TCP proxy)"),
    ("#XUDPCLI", "AT#XSOCKET then AT#XCONNECT=<handle>,… (no UDP proxy)"),
    ("#XTCPSEND", "AT#XSEND=<handle>,<mode>,<flags>,…"),
    ("#XUDPSEND", "AT#XSEND=<handle>,<mode>,<flags>,… or AT#XSENDTO"),
    ("#XPOLL", "AT#XAPOLL"),
];

/// How an SLM-era line of a command the Serial Modem redesigned gives itself away.
#[derive(Debug, Clone, Copy)]
pub enum SlmForm {
    /// Fewer parameters than the Serial Modem's form has before its optional ones.
    FewerThan(usize),
    /// The first parameter has this value (an operation the Serial Modem dropped).
    FirstIs(i64),
}

/// SLM forms of commands the Serial Modem kept by name but redesigned: (name, the tell, the
/// Serial Modem's form). ncs-serial-modem v1.0.1 doc/migration_notes.rst, "Socket AT command
/// changes": handles in every socket command, `#XSOCKET` no longer closes (`op=0` removed).
pub static SM_REDESIGNED: &[(&str, SlmForm, &str)] = &[
    ("#XSOCKET", SlmForm::FirstIs(0), "AT#XCLOSE=<handle> (the Serial Modem's #XSOCKET only opens)"),
    ("#XSSOCKET", SlmForm::FirstIs(0), "AT#XCLOSE=<handle> (the Serial Modem's #XSSOCKET only opens)"),
    ("#XSEND", SlmForm::FewerThan(3), "AT#XSEND=<handle>,<mode>,<flags>[,<data>|,<data_len>]"),
    ("#XRECV", SlmForm::FewerThan(4), "AT#XRECV=<handle>,<mode>,<flags>,<timeout>[,<data_len>]"),
    ("#XSENDTO", SlmForm::FewerThan(5), "AT#XSENDTO=<handle>,<mode>,<flags>,<url>,<port>[,<data>|,<data_len>]"),
    ("#XRECVFROM", SlmForm::FewerThan(4), "AT#XRECVFROM=<handle>,<mode>,<flags>,<timeout>[,<data_len>]"),
    ("#XCONNECT", SlmForm::FewerThan(3), "AT#XCONNECT=<handle>,<url>,<port>"),
    ("#XBIND", SlmForm::FewerThan(2), "AT#XBIND=<handle>,<port>"),
];

/// The Serial Modem's form of `name` when `params` (a set command's) have the SLM's form.
pub fn sm_form_for_slm_line(name: &str, params: &[crate::at::grammar::Param]) -> Option<&'static str> {
    SM_REDESIGNED.iter().find_map(|(n, tell, sm)| {
        let slm = match *tell {
            SlmForm::FewerThan(k) => params.len() < k,
            SlmForm::FirstIs(v) => params.first().and_then(crate::at::grammar::Param::as_int) == Some(v),
        };
        (*n == name && slm).then_some(*sm)
    })
}

/// The row of `name` when it is an SLM command that the Serial Modem does not have.
pub fn slm_only(name: &str) -> Option<&'static CommandSpec> {
    let sm = crate::slm::SlmVersion { sm: true, ..crate::slm::SlmVersion::DEFAULT };
    command_in(name, sm).filter(|c| !c.exists_in(sm))
}

/// The Serial Modem's replacement for SLM command `name`, if it has one.
pub fn sm_successor(name: &str) -> Option<&'static str> {
    SM_SUCCESSORS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Commands answered by lines of another name: (command, the answer's prefix). v2.1.2's `#XCMNG`
/// read prints a `%CMNG:` line; `#XTCPHANGUP` answers with `#XTCPSVR`.
pub static ANSWER_ALIASES: &[(&str, &str)] = &[("#XCMNG", "%CMNG"), ("#XTCPHANGUP", "#XTCPSVR")];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slm::SlmVersion;

    #[test]
    fn lifetimes_follow_the_source() {
        let exists = |name: &str, v: SlmVersion| command(name).unwrap().exists_in(v);
        assert!(!exists("#XAPOLL", SlmVersion::new(2, 9, 0)), "added in v3.1");
        assert!(exists("#XAPOLL", SlmVersion::new(3, 1, 0)));
        assert!(!exists("#XSMVER", SlmVersion::new(2, 9, 0)), "a Serial Modem command");
        assert!(exists("#XSMVER", SlmVersion { sm: true, ..SlmVersion::new(1, 0, 0) }));
        assert!(exists("#XSLMUART", SlmVersion::new(2, 4, 0)) && !exists("#XSLMUART", SlmVersion::new(2, 5, 0)));
        assert!(exists("#XDFUGET", SlmVersion::DEFAULT) && !exists("#XDFUGET", SlmVersion::new(2, 5, 0)));
        assert_eq!(command("#XSMVER").unwrap().lifetime(), "a Serial Modem command, not in any SLM");
    }
}
