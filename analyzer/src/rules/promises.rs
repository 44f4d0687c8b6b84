//! Promised URCs: a command that promises a later URC (`#XMQTTCON=1` → CONNACK), kept by the
//! URC whenever it comes (before the command's `OK` too), late past its window, missing when the
//! capture went on past it or a reboot came first.

use super::*;

impl Rules {
    /// A URC (or an information line) that may keep a promise. One that comes after its
    /// window settles it as late; one that comes early (before the command's `OK`) settles it too.
    pub(super) fn settle(&mut self, e: &Event, name: &str, params: &[Param], line: &Bytes, out: &mut Vec<Draft>) {
        // Only `#XFOTA` needs the numbers: a failed update ends its promise.
        let fota_failed = name == "#XFOTA" && table::fota_failed(&ints(params));
        for a in self.active.iter_mut().filter(|a| a.seen.len() < 4 && a.from_t.is_some()) {
            a.seen.push((e.t_ns, line.escaped()));
        }
        let clock = self.clock;
        let mut kept = Vec::new();
        let mut settled = false;
        for a in std::mem::take(&mut self.active) {
            // A failed FOTA ends its promise too.
            let fota_end = a.spec.urc == "#XFOTA" && fota_failed;
            // One URC keeps one promise: the oldest that it answers.
            if settled || !(a.spec.kept_by(name, params) || fota_end) {
                kept.push(a);
                continue;
            }
            settled = true;
            if a.overdue(clock) {
                out.push(late_urc(&a, e));
            }
        }
        self.active = kept;
    }
}

pub(super) fn urc_text(p: &table::Promise) -> String {
    match p.first {
        [] => p.urc.to_string(),
        [f, ..] => format!("{}: {f},…", p.urc),
    }
}

/// Where a promise's window comes from, for messages.
pub(super) fn window(p: &table::Promise) -> String {
    format!("{} ({})", secs(p.within_ms as i64 * 1_000_000), p.window_source)
}

pub(super) fn late_urc(a: &Active, e: &Event) -> Draft {
    let from_t = a.from_t.unwrap_or(a.cmd.t1);
    Draft {
        id: FindingId::UrcLate,
        level: None,
        t0: a.cmd.t0,
        t1: e.end_ns,
        message: format!(
            "{} promised {} ({}): it came {} after, past its window of {}",
            a.cmd.line,
            urc_text(a.spec),
            a.spec.label,
            secs(e.t_ns - from_t),
            window(a.spec)
        ),
        help: format!(
            "Not missing, only slow. A host that waits {} for it gives up too early; if this delay is normal for the network or the server (a first nRF Cloud connect provisions the device and takes longer), wait longer before retrying.",
            secs(a.spec.within_ms as i64 * 1_000_000)
        ),
        events: vec![a.cmd.seq, e.seq],
    }
}

pub(super) fn missing_urc(a: Active, reset: Option<&Event>) -> Draft {
    let want = urc_text(a.spec);
    let from_t = a.from_t.unwrap_or(a.cmd.t1);
    let deadline = a.deadline.unwrap_or(from_t);
    let (t1, why, mut events) = match reset {
        Some(r) => (r.end_ns, format!("the modem reset {} after it", secs(r.t_ns - from_t)), vec![a.cmd.seq, r.seq]),
        None => (deadline, format!("nothing within {}", window(a.spec)), vec![a.cmd.seq]),
    };
    events.dedup();
    let context = if a.seen.is_empty() {
        " No URC at all came in that time.".to_string()
    } else {
        let shown: Vec<String> = a.seen.iter().take(4).map(|(t, l)| format!("{l} at +{}", secs(t - from_t))).collect();
        format!(" Meanwhile: {}.", shown.join(", "))
    };
    let advice = match (a.spec.command, a.spec.label) {
        ("#XMQTTCON", "DISCONNECT") => " On the SLM the DISCONNECT event is raised inside the disconnect call itself (normally before OK), so its absence means the disconnect never completed.",
        ("#XMQTTCON", _) => " Check the broker address and port, the TLS sec_tag (modem credentials, see AT%CMNG=1) and the network registration; CONNACK with a non-zero code means the broker refused.",
        ("#XNRFCLOUD", _) => " nRF Cloud connects over modem TLS with sec_tag 16842753: check that the CA certificate, client certificate and private key are all in the modem at that tag (AT%CMNG=1) and that the device is registered in nRF Cloud under its UUID (AT#XUUID); an RRC release (+CSCON: 0) soon after OK means the TLS handshake ended early.",
        _ => "",
    };
    Draft {
        id: FindingId::UrcMissing,
        level: None,
        t0: a.cmd.t0,
        t1,
        message: format!("{} promised {want} ({}), {why}", a.cmd.line, a.spec.label),
        help: format!(
            "{want} should follow {} within {}.{context}{advice}",
            a.cmd.line,
            secs(a.spec.within_ms as i64 * 1_000_000)
        ),
        events,
    }
}
