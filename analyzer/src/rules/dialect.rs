//! The Serial Modem dialect (issue 16): saying that the link runs the Serial Modem and how its
//! commands end, SLM commands sent to it, and an LF that a CR link keeps inside a command.

use crate::at::framer::Terminator;

use super::*;

/// SLM-only commands remembered while the dialect is unknown (said if the SM shows up later).
const MAX_REMEMBERED: usize = 16;

#[derive(Debug, Default)]
pub(super) struct Dialect {
    /// `sm.dialect` was said.
    noted: bool,
    /// SLM-only commands sent before the Serial Modem was detected, with their exchange's end.
    before: Vec<(Arc<Cmd>, &'static table::CommandSpec)>,
}

impl Rules {
    /// Says once that the link runs the Serial Modem, and then the SLM commands sent before:
    /// at its `#XSMVER` answer, or (a version declared up front) when the first exchange ends,
    /// so that the note can tell how commands end.
    pub(super) fn dialect(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let st = self.state;
        let version = st.version;
        if !version.sm || self.dialect.noted {
            return;
        }
        let why = match &e.kind {
            EventKind::Info { name: Some(n), line, .. } | EventKind::Urc { name: n, line, .. } if n == "#XSMVER" => {
                format!("AT#XSMVER answered {}", line.escaped())
            }
            EventKind::Exchange { .. } => {
                "the recording's header or --slm-version names a Serial Modem build".to_string()
            }
            _ => return,
        };
        self.dialect.noted = true;
        let ends = match (st.terminator, st.cr_alone, st.cr_then_lf) {
            (Some(Terminator::Cr), _, false) => {
                "its commands end with CR alone (CONFIG_SM_CR_TERMINATION, the Serial Modem's default)"
            }
            (Some(Terminator::Cr), false, true) => "the host ends commands with CR LF: the CR sends each one and the Serial Modem drops the LF, as its default CR build does",
            (Some(Terminator::Cr), true, true) => {
                "the host ends some commands with CR alone and some with CR LF; both work on a CR build"
            }
            (Some(Terminator::Lf), ..) => "its commands end with LF (CONFIG_SM_LF_TERMINATION)",
            (Some(Terminator::CrLf), ..) => "commands are decoded as ending with CR LF (--terminator crlf)",
            _ => "no command has ended yet",
        };
        out.push(Draft {
            id: FindingId::SmDialect,
            level: None,
            t0: e.t_ns,
            t1: e.end_ns,
            message: format!("{}: {why}; {ends}", version.product()),
            help: "The Serial Modem (nrfconnect/ncs-serial-modem) is the SLM's successor: handle-based sockets (#XSOCKET, #XCONNECT, #XSEND/#XRECV with a handle), #XSMVER, #XGNSS, no native TLS; its default command terminator is CR. atscope decodes it with the Serial Modem's command set.".into(),
            events: vec![e.seq],
        });
        for (c, spec) in std::mem::take(&mut self.dialect.before) {
            out.push(slm_command(&c, spec, version));
        }
    }

    /// A command line: an SLM command sent to the Serial Modem, or a bare LF inside it on a CR link.
    pub(super) fn dialect_command(&mut self, c: &Arc<Cmd>, out: &mut Vec<Draft>) {
        let version = self.state.version;
        if let Some(sm_form) = table::sm_form_for_slm_line(&c.name, &c.params).filter(|_| c.form == Some(Form::Set)) {
            if version.sm {
                let what =
                    format!("{} has the SLM's form of {}; {} takes {sm_form}", c.line, c.name, version.product());
                out.push(on_command(FindingId::SmSlmCommand, c, what, SLM_COMMAND_HELP));
            }
        }
        if let Some(spec) = table::slm_only(&c.name) {
            if version.sm {
                out.push(slm_command(c, spec, version));
            } else if !self.version_known && self.dialect.before.len() < MAX_REMEMBERED {
                self.dialect.before.push((c.clone(), spec));
            }
        }
        if self.state.terminator == Some(Terminator::Cr) && has_bare_lf(c.line.0.as_slice()) {
            let first = c.line.0.split(|&b| b == b'\n').next().unwrap_or_default();
            let what = format!(
                "{} holds an LF: commands on this link end with CR, so the LF did not send {}; it stayed in the command buffer and the line went out whole at the next CR",
                c.line,
                Bytes(first.to_vec())
            );
            out.push(on_command(FindingId::SmTerminatorMismatch, c, what, "The Serial Modem's default build (CONFIG_SM_CR_TERMINATION) sends a command at CR and keeps an LF as command text, so a command ended with LF alone waits and is glued to the next one, which then fails. End every command with CR (or CR LF), or build the Serial Modem with the terminator the host uses (CONFIG_SM_LF_TERMINATION)."));
        }
    }
}

const SLM_COMMAND_HELP: &str = "The host's driver was written for the SLM. The Serial Modem does not have this command or this form of it and answers ERROR (it passes unknown commands to the modem). Port the driver with the Serial Modem's migration notes (doc/migration_notes.rst): renamed commands, handle-based sockets, credentials in the modem.";

/// `sm.slm-command` for `c`.
fn slm_command(c: &Cmd, spec: &table::CommandSpec, version: SlmVersion) -> Draft {
    let instead = table::sm_successor(&c.name)
        .map(|s| format!("; the Serial Modem has {s}"))
        .unwrap_or_else(|| "; the Serial Modem has no such command".into());
    let what = format!("{} is an SLM command ({}) sent to {}{instead}", c.line, spec.summary, version.product());
    on_command(FindingId::SmSlmCommand, c, what, SLM_COMMAND_HELP)
}

/// A finding about command `c` as it was sent.
fn on_command(id: FindingId, c: &Cmd, message: String, help: &str) -> Draft {
    Draft { id, level: None, t0: c.t0, t1: c.t1, message, help: help.into(), events: vec![c.seq] }
}

/// Whether `line` holds an LF outside double quotes.
pub(super) fn has_bare_lf(line: &[u8]) -> bool {
    let mut quoted = false;
    line.iter().any(|&b| {
        quoted ^= b == b'"';
        b == b'\n' && !quoted
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_lf_inside_quotes_is_content() {
        assert!(super::has_bare_lf(b"AT+CFUN?\nAT+CEREG?"));
        assert!(!super::has_bare_lf(b"AT%CMNG=0,1,0,\"a\nb\""));
    }
}
