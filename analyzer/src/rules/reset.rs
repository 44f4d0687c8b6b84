//! Reboots: expected (power-on, `#XRESET`, an `#XSLEEP` wake or resume) or not, with the
//! command that was pending and the glitch bytes in front of `Ready`.

use super::*;

impl Rules {
    pub(super) fn reset(&mut self, e: &Event, r: &crate::timeline::ResetInfo, out: &mut Vec<Draft>) {
        let garbage =
            if r.garbage.0.is_empty() { String::new() } else { format!(" after garbage bytes {}", hex(&r.garbage.0)) };
        // Promises: a reset keeps "Ready" and breaks every other, unless it is the resume from
        // idle, which is no reboot: sessions and promises live on.
        let resume = matches!(self.expect_reset, Some((ExpectReset::Idle, _)));
        for a in std::mem::take(&mut self.active) {
            if a.spec.urc == "Ready" {
                if a.overdue(self.clock) {
                    out.push(late_urc(&a, e));
                }
            } else if resume {
                self.active.push(a);
            } else if a.from_t.is_some() {
                self.tls_outcome(a.cmd.seq, false, out);
                out.push(missing_urc(a, Some(e)));
            }
        }
        if !resume {
            self.tls_unsettled(true, out);
        }
        let suspect = r.aborted.last().and_then(|x| self.cmds.get(x)).cloned();
        // The SLM's log may tell why (`log.rs`): its crash names this reset's cause.
        let crash = self.crash_before_ready(e.t_ns, out);
        match self.expect_reset.take() {
            Some((why, since)) => {
                let (what, help) = match why {
                    ExpectReset::Reset => ("after AT#XRESET", "The host asked for this reboot (or activated a FOTA image with it)."),
                    ExpectReset::Sleep => ("wake-up from AT#XSLEEP=1", "AT#XSLEEP=1 powers the chip off; the wake-up pin reset it, so the host sees Ready."),
                    ExpectReset::Idle => ("resume from AT#XSLEEP=2 idle", "Not a reboot: after an idle wake the SLM prints Ready and then the responses and URCs it buffered (a 1 KiB ring that can overflow silently)."),
                };
                out.push(Draft {
                    id: FindingId::ResetExpected,
                    level: None,
                    t0: since,
                    t1: e.end_ns,
                    message: format!("Ready: {what}{garbage}"),
                    help: help.into(),
                    events: vec![e.seq],
                });
            }
            None if !self.any_traffic => out.push(Draft {
                id: FindingId::ResetExpected,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("Ready at the start of the capture: power-on or boot{garbage}"),
                help: format!("The first Ready of a capture is the {}'s boot message. Bytes before it are a power-up line glitch.", self.firmware()),
                events: vec![e.seq],
            }),
            None => {
                let suspect_line = suspect.as_ref().or(self.last_cmd.as_ref());
                let mut ev = vec![e.seq];
                let who = match (&suspect, &self.last_cmd) {
                    (Some(c), _) => {
                        ev.push(c.seq);
                        format!("while {} was pending", c.line)
                    }
                    (None, Some(c)) => {
                        ev.push(c.seq);
                        format!("{} after {} (the last command)", secs(e.t_ns - c.t1), c.line)
                    }
                    _ => "with no command sent".into(),
                };
                let mqtt = suspect_line.is_some_and(|c| c.name == "#XMQTTCON" && c.params.first().and_then(Param::as_int) == Some(0));
                let mut message = format!("the modem rebooted (Ready{garbage}) {who}");
                let mut help_head = String::new();
                let fw = self.firmware();
                if let Some((summary, t0, seqs)) = &crash {
                    let glitch = if garbage.is_empty() { String::new() } else { format!(" ({})", garbage.trim()) };
                    message = format!("the {fw} crashed ({summary}) {} before Ready{glitch} {who}", ms_or_s(e.t_ns - t0));
                    help_head = format!("The {fw}'s log shows the crash that caused this reboot (see slm.crash). ");
                    ev.extend(seqs.first());
                }
                let mut help = help_head
                    + &format!("Nothing the host sent asks for a reboot (#XRESET, FOTA activation or an #XSLEEP wake), so the nRF91 crashed or lost power: the {fw} restarted, every socket, MQTT and cloud session is gone and the host must start over. Garbage just before Ready is the TX line glitching while the chip resets. Read the RTT log or the crash dump of the {fw} build, and check the supply during radio activity.");
                if mqtt {
                    help.push_str(" For AT#XMQTTCON=0 on v2.1.x the known suspects are the MQTT thread teardown (the disconnect waits up to 60 s for the thread; a later connect re-creates a thread that is still alive), the shared rsp_buf without locking (fixed in v2.3.0) and the 2 KiB MQTT thread stack (large PUBLISH, fixed in v2.4.0). Updating to v2.5+ reworked this path.");
                }
                out.push(Draft {
                    id: FindingId::ResetUnexpected,
                    level: None,
                    t0: suspect_line.map(|c| c.t0).unwrap_or(e.t_ns),
                    t1: e.end_ns,
                    message,
                    help,
                    events: ev,
                });
            }
        }
        self.any_traffic = true;
    }
}

/// `12 ms` under a second, `2.351 s` above.
fn ms_or_s(ns: i64) -> String {
    if ns.abs() < 1_000_000_000 {
        format!("{} ms", ns / 1_000_000)
    } else {
        secs(ns)
    }
}
