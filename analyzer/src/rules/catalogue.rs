//! The finding catalogue: every id atscope can raise, with its default severity and what it
//! means. Rules name findings by [`FindingId`], so an id cannot be misspelt, and the README's
//! table is checked against [`CATALOGUE`] by a test.

use crate::finding::Severity;

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident, $when:literal; )*) => {
        /// A finding id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FindingId {
            $( $(#[$doc])* $variant, )*
        }

        /// Every id, its default severity and when it is raised.
        pub const CATALOGUE: &[Entry] = &[
            $( Entry { id: FindingId::$variant, name: $id, severity: Severity::$sev, when: $when }, )*
        ];
    };
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The id.
    pub id: FindingId,
    /// Its stable dotted name.
    pub name: &'static str,
    /// Its default severity.
    pub severity: Severity,
    /// When it is raised (one line, for the README and `--help`).
    pub when: &'static str,
}

catalogue! {
    /// A reboot nothing the host did explains.
    ResetUnexpected = "slm.reset.unexpected", Error,
        "`Ready` not caused by `#XRESET`, FOTA activation or an `#XSLEEP` wake (also in data mode); names the pending command and the glitch bytes";
    /// A reboot the host asked for, or the boot at power-on.
    ResetExpected = "slm.reset.expected", Note,
        "`Ready` at power-on, after `#XRESET`, after an `#XSLEEP=1` wake or an `#XSLEEP=2` resume";
    /// Bytes that fit no AT item.
    UartGarbage = "uart.garbage", Warning,
        "bytes that fit no AT item (glitch bytes just before a reboot's `Ready` belong to the reset)";
    /// Framing errors or garbage in a burst.
    UartBaudMismatch = "uart.baud-mismatch", Error,
        "a burst of framing errors or garbage, or a waveform whose bit time contradicts the configured baud rate";
    /// No final result.
    FinalMissing = "at.final.missing", Error,
        "no final result within the command's maximum time (the host then moved on, or the capture went on), or before a reboot";
    /// A final result after the documented maximum.
    FinalLate = "at.final.late", Warning,
        "a final result later than the command's documented maximum";
    /// A final result with nothing pending.
    FinalUnsolicited = "at.final.unsolicited", Warning,
        "a final result with no command pending";
    /// ERROR / +CME ERROR / +CMS ERROR.
    AtError = "at.error", Warning,
        "`ERROR` / `+CME ERROR` / `+CMS ERROR`, with the code's meaning for that command and the likely cause (a routine `#XRECV` timeout is a note)";
    /// A promised URC that never came.
    UrcMissing = "slm.urc.missing", Error,
        "a promised URC (`#XMQTTEVT`, `#XNRFCLOUD`, `#XFOTA`, `#XHTTPCREQ`, `Ready` after `#XRESET`) that never came while the capture went on past its window, or a reboot came first";
    /// A promised URC that came after its window.
    UrcLate = "slm.urc.late", Warning,
        "a promised URC that came, but after its window (the message gives the measured delay and where the window comes from)";
    /// The capture ended before a promised URC was due.
    UrcUnconfirmed = "slm.urc.unconfirmed", Note,
        "the capture ended before a promised URC was due";
    /// Commands pipelined on an SLM that loses them.
    HostPipelined = "slm.host.pipelined", Warning,
        "a command sent while another was pending, on SLM < 2.5 (input lost without HWFC)";
    /// Host bytes while the SLM's UART was suspended.
    SleepInputLost = "slm.sleep.input-lost", Warning,
        "host bytes sent while the SLM was idle (`#XSLEEP=2`) or asleep (`#XSLEEP=1`): the UART was off and they were lost";
    /// Native-TLS mapped tags in a listing.
    TlsNativeMapping = "slm.tls.native-mapping", Note,
        "`%CMNG` tags that are native-TLS `S*10+T` mappings (one per tag, whatever the listing order), and `%CMNG` queries for a tag that exists only mapped";
    /// Modem TLS with credentials the capture shows are not in the modem.
    TlsModemTagUnprovisioned = "slm.tls.modem-tag-unprovisioned", Error,
        "modem TLS (`#XNRFCLOUD`, `#XMQTTCON`, `#XTCPCLI`, `#XUDPCLI`, v2.1 `#XSSOCKET`) with a sec_tag whose credentials went only through `#XCMNG` or are missing from a `%CMNG=1` listing, and the connection then failed; withdrawn when it succeeds, a warning when the capture does not show the outcome";
    /// `+++` then more data in one burst.
    DatamodeTerminatorNotLast = "slm.datamode.terminator-not-last", Warning,
        "v2.1.x: `+++` followed by more data in the same burst";
    /// Host data after the SLM left data mode by itself.
    DatamodeDataAfterExit = "slm.datamode.data-after-exit", Warning,
        "host data after the SLM left data mode by itself";
    /// The SLM sent `+++`.
    DatamodeModemTerminator = "slm.datamode.modem-terminator", Warning,
        "the SLM sent `+++` (peer closed): the host must answer `+++`";
    /// Traffic that contradicts the SLM version in force.
    VersionContradicted = "slm.version.contradicted", Warning,
        "the traffic contradicts the SLM version in force (declared by `#XSLMVER` or the trace, or assumed), e.g. `+CME ERROR` from an `#X` command before v2.7";
    /// A command this version does not have.
    CommandUnsupported = "slm.command.unsupported", Warning,
        "a command the SLM version in force does not have (added later or removed)";
    /// The link runs the Serial Modem, not the SLM.
    SmDialect = "sm.dialect", Note,
        "the Serial Modem (the SLM's successor) was detected: an `#XSMVER` answer or the recording's header; says how commands end (CR alone, the SM default, or CR LF)";
    /// An SLM command sent to the Serial Modem.
    SmSlmCommand = "sm.slm-command", Warning,
        "a command of the SLM that the Serial Modem does not have (`#XSLMVER`, native-TLS `#XCMNG`, `#XTCPCLI`, `#XGPS`, …), with its SM successor; also said afterwards when the SM is detected later";
    /// An LF the CR link kept inside a command line.
    SmTerminatorMismatch = "sm.terminator-mismatch", Warning,
        "a command line holds a bare LF on a link whose commands end at CR (the Serial Modem's default): the LF did not send the command, which was glued to the next line";
    /// The modem core crashed.
    ModemFault = "modem.fault", Error,
        "`#XMODEM: FAULT,…`, or the modem library's `Modem error: …, PC: …` in the SLM's log: the modem firmware crashed (the application lives on; sockets and registration are gone)";
    /// The modem blocked attach after a reset loop.
    ModemResetLoop = "modem.reset-loop", Error,
        "`%MDMEV: RESET LOOP`: the modem restarted too often and blocks attach for 30 minutes";
    /// The network refused registration.
    RegistrationDenied = "modem.registration.denied", Warning,
        "`+CEREG: 3,…`: the network denied registration (with its reject cause)";
    /// The network detached the device or dropped its PDN.
    Detached = "modem.detached", Warning,
        "`+CGEV: NW DETACH` or `NW PDN DEACT`: the network detached the device or deactivated its PDN connection unasked";
    /// The SIM is missing or failed.
    SimFailure = "modem.sim.failure", Error,
        "the SIM is missing or failed: `+CEREG: 90`, `+CME ERROR: 10` (SIM not inserted) or `13` (SIM failure)";
    /// The SLM's log shows a fatal error.
    SlmCrash = "slm.crash", Error,
        "the SLM's log (`--log`) shows a fatal error: `>>> ZEPHYR FATAL ERROR`, a BUS/HARD/MPU/USAGE FAULT, `ASSERTION FAIL`, a kernel panic or stack overflow, with type, thread, PC/LR and assertion text; the `slm.reset.unexpected` that follows names it";
    /// An `<err>` line of the SLM's log.
    SlmLogError = "slm.log.error", Warning,
        "an `<err>` line of the SLM's log; a note attached to the exchange when it falls inside one that ended in ERROR (`at.error` reports the failure); crash-dump lines belong to `slm.crash`";
    /// How a segment of the SLM's log was placed on the UART's time axis.
    SlmLogAlignment = "slm.log.alignment", Note,
        "one per segment (boot) of the SLM's log: how it was placed on the UART's time axis (its boot's `Ready`, refined by logged commands, or `--log-offset`) and how sure that is";
    /// A CMUX frame whose FCS does not check.
    CmuxFcs = "cmux.fcs", Error,
        "a CMUX frame whose FCS does not check: the receiver drops it (a command in it is never answered; no `at.final.missing` for it)";
    /// A data frame on a DLCI that is not open.
    CmuxUnopenedDlci = "cmux.unopened-dlci", Warning,
        "a CMUX data frame on a DLCI not opened with SABM/UA while the mux is up: dropped (answered DM when the DLCI is not configured)";
    /// A data frame before the mux was opened.
    CmuxDataBeforeOpen = "cmux.data-before-open", Warning,
        "a CMUX data frame after `AT#XCMUX`'s `OK` but before the control channel (DLCI 0) was opened with SABM/UA: dropped";
    /// The modem rebooted while the mux was up.
    CmuxEndedByReset = "cmux.ended-by-reset", Error,
        "a `Ready` outside frames while CMUX was up: the modem rebooted and its UART speaks plain AT again; the host must start CMUX again";
    /// The host sent plain AT on the muxed UART.
    CmuxPlainAtAfterStart = "cmux.plain-at-after-start", Warning,
        "a plain AT command line from the host outside frames after CMUX started: the modem skips bytes outside frames (no `at.final.missing` for it)";
    /// A PPP frame whose FCS-16 does not check.
    PppFcs = "ppp.fcs", Error,
        "a PPP frame whose FCS-16 does not check (Zephyr's `modem_ppp` strips the FCS without checking it, so the packet may still be used)";
    /// A PPP negotiation that never completed.
    PppNegotiationIncomplete = "ppp.negotiation-incomplete", Warning,
        "LCP or IPCP/IPV6CP did not reach Configure-Ack in both directions: PPP ended (Terminate, reboot, end of the mux) first, or 30 s went by (Zephyr's 10 Configure-Requests 3 s apart)";
    /// An LCP Terminate-Request.
    PppTerminated = "ppp.terminated", Warning,
        "an LCP Terminate-Request: PPP is being closed (the SM then stops PPP: `#XPPP: 0,…`)";
    /// PPP traffic before the modem reported PPP running on the PDN.
    PppBeforePdn = "ppp.before-pdn", Warning,
        "PPP frames from the host after `AT#XPPP=1` but before the modem's `#XPPP: 1,…` (the SM attaches PPP to the channel only when the PDN is up): they are not answered";
}

impl FindingId {
    /// The catalogue entry.
    pub fn entry(self) -> &'static Entry {
        // The catalogue lists the variants in declaration order.
        &CATALOGUE[self as usize]
    }

    /// The stable dotted name.
    pub fn as_str(self) -> &'static str {
        self.entry().name
    }

    /// The default severity.
    pub fn severity(self) -> Severity {
        self.entry().severity
    }

    /// The id with this dotted name.
    pub fn parse(name: &str) -> Option<FindingId> {
        CATALOGUE.iter().find(|e| e.name == name).map(|e| e.id)
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The catalogue as the README's Markdown table.
pub fn markdown_table() -> String {
    let mut s = String::from("| id | default | when |\n|---|---|---|\n");
    for e in CATALOGUE {
        s.push_str(&format!("| `{}` | {} | {} |\n", e.name, e.severity, e.when));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_in_variant_order_and_names_are_unique() {
        for (i, e) in CATALOGUE.iter().enumerate() {
            assert_eq!(e.id as usize, i, "{}", e.name);
            assert_eq!(FindingId::parse(e.name), Some(e.id));
        }
        let mut names: Vec<_> = CATALOGUE.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }

    #[test]
    fn the_readme_lists_the_catalogue() {
        let readme = include_str!("../../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's findings table differs from the catalogue; replace it with:\n{table}"
        );
    }
}
