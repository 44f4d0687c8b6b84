//! Modem health (`#XMODEM: FAULT`, `%MDMEV: RESET LOOP`, registration denied, network detach,
//! SIM failures) and what the traffic says about the SLM version in force.

use crate::at::grammar::{FinalResult, Param};
use crate::slm::{table, SlmVersion};
use crate::timeline::Event;

use super::{Cmd, Draft, FindingId, Rules};
use crate::finding::Severity;
use crate::timeline::Bytes;

/// EMM reject causes (3GPP TS 24.301 annex A) the nRF91 reports in `+CEREG`.
const EMM_CAUSE: table::Values = &[
    (2, "IMSI unknown in HSS (the SIM is not provisioned on this network)"),
    (3, "illegal UE (the network rejected the SIM's credentials)"),
    (5, "IMEI not accepted"),
    (6, "illegal ME"),
    (7, "EPS services not allowed (no LTE subscription)"),
    (8, "EPS and non-EPS services not allowed"),
    (11, "PLMN not allowed (no roaming agreement with this operator)"),
    (12, "tracking area not allowed"),
    (13, "roaming not allowed in this tracking area"),
    (14, "EPS services not allowed in this PLMN"),
    (15, "no suitable cells in tracking area"),
    (22, "congestion"),
    (25, "not authorised for this CSG"),
    (35, "requested service option not authorised in this PLMN"),
];

impl Rules {
    /// A URC or an information line that tells about the modem's health.
    pub(super) fn health(
        &mut self,
        e: &Event,
        name: &str,
        params: &[Param],
        line: &Bytes,
        is_read_answer: bool,
        out: &mut Vec<Draft>,
    ) {
        let int = |i: usize| params.get(i).and_then(Param::as_int);
        let first = params.first().and_then(Param::as_text).unwrap_or("");
        match name {
            "#XMODEM" if first == "FAULT" => out.push(Draft {
                id: FindingId::ModemFault,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("the modem firmware crashed: {line}"),
                help: "The nRF91 modem core faulted (reason and program counter as given); the SLM application lives on and restarts the modem library (#XMODEM: SHUTDOWN, then INIT). Registration, PDN, sockets, MQTT and cloud sessions are gone: the host must re-attach and reconnect. Report the reason and PC with the modem firmware version (AT+CGMR) to Nordic.".into(),
                events: vec![e.seq],
            }),
            "%MDMEV" if first == "RESET LOOP" => out.push(Draft {
                id: FindingId::ModemResetLoop,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: "%MDMEV: RESET LOOP: the modem detected a reset loop and blocks attach for 30 minutes".into(),
                help: "The modem restarted too often in a short time (typically the application power-cycling it, or rebooting the chip in a loop) and now refuses to attach for 30 minutes to protect the network. Find what resets the modem; avoid AT+CFUN=0/1 cycles and reboots in quick succession.".into(),
                events: vec![e.seq],
            }),
            "+CEREG" => {
                // The read answer starts with <n>; the URC with <stat>.
                let (stat, cause_at) = if is_read_answer { (int(1), 6) } else { (int(0), 5) };
                let Some(stat) = stat else { return };
                let was = self.cereg.replace(stat);
                if stat == 3 && was != Some(3) {
                    let cause = int(cause_at);
                    let why = cause
                        .map(|c| match table::lookup(EMM_CAUSE, c) {
                            Some(m) => format!(", reject cause {c}: {m}"),
                            None => format!(", reject cause {c}"),
                        })
                        .unwrap_or_default();
                    out.push(Draft {
                        id: FindingId::RegistrationDenied,
                        level: None,
                        t0: e.t_ns,
                        t1: e.end_ns,
                        message: format!("the network denied registration (+CEREG stat 3{why})"),
                        help: "The network refused the device: no data service until this changes. Check the SIM's subscription and whether it allows this network and radio access technology (LTE-M or NB-IoT, AT%XSYSTEMMODE), the APN, and roaming. With AT+CEREG=5 the modem reports the reject cause.".into(),
                        events: vec![e.seq],
                    });
                }
                if stat == 90 && was != Some(90) {
                    out.push(self.sim_failure(e, "+CEREG reports a UICC failure (stat 90)".into()));
                }
            }
            "+CGEV" if ["NW DETACH", "NW PDN DEACT", "NW DEACT"].iter().any(|p| first.starts_with(p)) => {
                out.push(Draft {
                    id: FindingId::Detached,
                    level: None,
                    t0: e.t_ns,
                    t1: e.end_ns,
                    message: format!("the network ended the connection: {line}"),
                    help: "The network, not the host, detached the device or deactivated its PDN connection: sockets and MQTT/cloud sessions on it are gone. The modem usually re-attaches by itself; the host should wait for +CEREG: 1/5 (and +CGEV: ME PDN ACT) before reconnecting. Repeated detaches point at coverage or subscription problems.".into(),
                    events: vec![e.seq],
                });
            }
            _ => {}
        }
    }

    fn sim_failure(&self, e: &Event, what: String) -> Draft {
        Draft {
            id: FindingId::SimFailure,
            level: None,
            t0: e.t_ns,
            t1: e.end_ns,
            message: what,
            help: "The modem cannot use the SIM: no registration is possible. Check that a SIM (or eSIM) is present and seated, its contacts and supply, that it is activated, and whether it needs a PIN (AT+CPIN?). AT%XSIM? and AT+CIMI tell whether the modem reads it.".into(),
            events: vec![e.seq],
        }
    }

    /// The findings of a failed command: usually `at.error`, but a missing SIM, a command the
    /// version does not have, or a routine receive timeout say more.
    pub(super) fn failure(&mut self, e: &Event, c: &Cmd, result: &FinalResult, out: &mut Vec<Draft>) {
        let version = self.version.unwrap_or(SlmVersion::DEFAULT);
        if let FinalResult::CmeError(n @ (10 | 13)) = result {
            let what = if *n == 10 { "SIM not inserted" } else { "SIM failure" };
            out.push(self.sim_failure(e, format!("{} failed: {result} ({what})", c.line)));
            return;
        }
        if c.name.starts_with('#') && matches!(result, FinalResult::CmeError(_) | FinalResult::CmsError(_)) {
            self.contradicted(
                e,
                c,
                SlmVersion::new(2, 7, 0),
                format!("{} answered {result}, but SLM {version} answers its #X commands with a plain ERROR (the +CME/+CMS form came with v2.7)", c.line),
                out,
            );
        }
        if let Some(spec) = table::command_in(&c.name, version).filter(|s| !s.exists_in(version)) {
            // On the Serial Modem an SLM command is `sm.slm-command`, said when it was sent.
            if self.version_known && !(version.sm && table::slm_only(&c.name).is_some()) {
                out.push(Draft {
                    id: FindingId::CommandUnsupported,
                    level: None,
                    t0: c.t0,
                    t1: e.end_ns,
                    message: format!("{} failed: {result}; {} has no {} ({})", c.line, version.product(), c.name, spec.lifetime()),
                    help: format!("The host uses a command this firmware does not have, so the {} rejects it. Use the command set of {}, or update the firmware to one that has {}.", version.firmware(), version.product(), c.name),
                    events: vec![c.seq, e.seq],
                });
            }
        }
        let mut d = self.error_draft(e, c, result);
        let recv_timeout = matches!(c.name.as_str(), "#XRECV" | "#XRECVFROM")
            && matches!(result, FinalResult::Error)
            && c.params.first().and_then(Param::as_int).is_some_and(|t| t > 0);
        if recv_timeout {
            d.level = Some(Severity::Note);
            d.help = format!("{} waits up to its timeout for data and answers ERROR when none came: routine when polling a socket. Nothing to do unless data was expected.", c.name);
        }
        out.push(d);
    }

    /// A command the version in force does not have was answered OK.
    pub(super) fn succeeded(&mut self, e: &Event, c: &Cmd, out: &mut Vec<Draft>) {
        let version = self.version.unwrap_or(SlmVersion::DEFAULT);
        let Some(spec) = table::command_in(&c.name, version).filter(|s| !s.exists_in(version)) else { return };
        let (Some((maj, min)), None) = (spec.since, spec.removed) else { return };
        if (maj, min) == crate::slm::version::SERIAL_MODEM {
            return; // a Serial Modem answer: the timeline takes the dialect from it
        }
        self.contradicted(
            e,
            c,
            SlmVersion::new(maj, min, 0),
            format!("{} answered OK, but SLM {version} has no {} ({})", c.line, c.name, spec.lifetime()),
            out,
        );
    }

    /// The traffic shows at least `newer`: said once; an assumed version is revised.
    pub(super) fn contradicted(&mut self, e: &Event, c: &Cmd, newer: SlmVersion, what: String, out: &mut Vec<Draft>) {
        let version = self.version.unwrap_or(SlmVersion::DEFAULT);
        if self.contradiction_said || version >= newer {
            return;
        }
        self.contradiction_said = true;
        let (level, help) = if self.version_known {
            (None, format!("The trace or #XSLMVER says SLM {version}, but the firmware behaves like {newer} or newer: the findings that depend on the version may be wrong. Check which firmware the board runs (AT#XSLMVER), and decode with --slm-version if the recording's header is wrong."))
        } else {
            self.revised = Some(newer);
            (None, format!("The trace does not say which SLM it is, so atscope assumed {version}; this shows {newer} or newer, and the rules now apply {newer}. Give --slm-version (or record #XSLMVER) to decode with the right rules from the start."))
        };
        out.push(Draft {
            id: FindingId::VersionContradicted,
            level,
            t0: c.t0,
            t1: e.end_ns,
            message: what,
            help,
            events: vec![c.seq, e.seq],
        });
    }
}
