//! Exchanges: a command as it is sent (pipelined, lost while the SLM sleeps, promising URCs,
//! host bytes after an automatic data-mode exit), its final result (unsolicited, late, failed and
//! why) and its end without one.

use super::datamode::AFTER_EXIT_WINDOW_NS;
use super::dialect;
use super::*;

impl Rules {
    /// A command line from the host.
    pub(super) fn command(&mut self, e: &Event, version: SlmVersion, known: bool, out: &mut Vec<Draft>) {
        let EventKind::Command { exchange, name, form, params, line, invalid, pending, .. } = &e.kind else {
            return;
        };
        let timeout = table::timeout_ms(name, params, version);
        let cmd = Arc::new(Cmd {
            seq: e.seq,
            name: name.clone(),
            form: *form,
            params: params.clone(),
            line: line.clone(),
            t0: e.t_ns,
            t1: e.end_ns,
            deadline: timeout.map(|ms| e.end_ns.saturating_add(table::ms_to_ns(ms))),
        });
        if invalid.is_none() || name.is_empty() {
            self.dialect_command(&cmd, out);
        }
        let asleep = match self.expect_reset {
            Some((ExpectReset::Idle, since)) => Some(("idle after AT#XSLEEP=2", since)),
            Some((ExpectReset::Sleep, since)) => Some(("asleep after AT#XSLEEP=1", since)),
            _ => None,
        };
        if let Some((state, since)) = asleep {
            // Said when the exchange ends unanswered: an answer would prove the SLM awake.
            self.lost_in_sleep.insert(*exchange, Draft {
                id: FindingId::SleepInputLost,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("{} sent while the SLM was {state} ({} before): the UART was off, the command was lost", cmd.line, secs(e.t_ns - since)),
                help: "After AT#XSLEEP the SLM suspends its UART (idle) or powers off (sleep); nothing the host sends reaches it until the wake-up pin is pulled and Ready comes. Wake the SLM first, wait for Ready, then send.".into(),
                events: vec![e.seq],
            });
        } else if !pending.is_empty() && !version.allows_pipelining() {
            let prev = pending.last().and_then(|p| self.cmds.get(p));
            let prev_line = prev.map(|c| c.line.escaped()).unwrap_or_else(|| "another command".into());
            let mut ev = vec![e.seq];
            ev.extend(prev.map(|c| c.seq));
            // With an assumed version, the command's own answer would prove a newer SLM:
            // the warning waits for the exchange's end.
            let to = if known { &mut *out } else { self.pipelined_doubt.entry(*exchange).or_default() };
            to.push(Draft {
                id: FindingId::HostPipelined,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("{} sent while {prev_line} was still pending", cmd.line),
                help: format!(
                    "SLM {version} disables UART RX from a command's terminator until its final result, so without hardware flow control these bytes are lost. Wait for OK/ERROR before sending the next command (v2.5+ accepts pipelined commands)."
                ),
                events: ev,
            });
        }
        if invalid.is_none() {
            for p in table::promises_of(name, *form, params, Some(version)) {
                // A host that repeats a command whose URC is overdue has given up on it.
                let (gave_up, keep): (Vec<Active>, Vec<Active>) = std::mem::take(&mut self.active)
                    .into_iter()
                    .partition(|a| std::ptr::eq(a.spec, p) && a.overdue(self.clock));
                self.active = keep;
                out.extend(gave_up.into_iter().map(|a| missing_urc(a, None)));
                let from_t = (p.from == From::Sent).then_some(e.end_ns);
                self.active.push(Active {
                    spec: p,
                    cmd: cmd.clone(),
                    from_t,
                    deadline: from_t.map(|t| t + p.within_ms as i64 * 1_000_000),
                    seen: Vec::new(),
                });
            }
        }
        self.tls_use(e, version);
        if let Some((t, seq)) = self.datamode_auto_exit.take() {
            if invalid.is_some() && e.t_ns - t < AFTER_EXIT_WINDOW_NS {
                out.push(Draft {
                    id: FindingId::DatamodeDataAfterExit,
                    level: None,
                    t0: t,
                    t1: e.end_ns,
                    message: format!("host bytes {} arrived after the SLM had left data mode by itself", cmd.line),
                    help: "SLM v2.1.x leaves data mode on its own after the first chunk of #XNRFCLOUD=2, an HTTP request payload or a single FTP put; what the host sends afterwards (including its +++) is parsed as a command and fails with ERROR. Wait for #XDATAMODE and do not send +++ for these, or move to v2.2+.".into(),
                    events: vec![seq, e.seq],
                });
            }
        }
        self.cmds.insert(*exchange, cmd.clone());
        self.last_cmd = Some(cmd);
        self.any_traffic = true;
    }

    /// A final result (`OK`, `ERROR`, `+CME ERROR: …`).
    pub(super) fn final_result(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let EventKind::Final { exchange, result, latency_ns } = &e.kind else {
            return;
        };
        self.any_traffic = true;
        match exchange {
            None => out.push(Draft {
                id: FindingId::FinalUnsolicited,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("{result} with no command pending"),
                help: "A final result answers a command; none was waiting. Either the host's command was not captured (a capture started late, a lost host channel), or the host sent bytes the capture did not decode (wrong baud on the host line), or the SLM answered a command twice.".into(),
                events: vec![e.seq],
            }),
            Some(x) => {
                let cmd = self.cmds.get(x).cloned();
                if let Some(c) = &cmd {
                    self.final_for(e, c, result, *latency_ns, out);
                }
            }
        }
    }

    /// The end of an exchange: answered, timed out, aborted by a reset, or open at the end.
    pub(super) fn exchange_end(&mut self, e: &Event, version: SlmVersion, out: &mut Vec<Draft>) {
        let EventKind::Exchange { id, status, .. } = &e.kind else {
            return;
        };
        if let Some(drafts) = self.pipelined_doubt.remove(id) {
            match (status, self.cmds.get(id).cloned()) {
                (ExchangeStatus::Ok | ExchangeStatus::Error, Some(c)) => self.contradicted(
                    e,
                    &c,
                    SlmVersion::new(2, 5, 0),
                    format!("{} was sent while another command was pending and still got its own answer, which SLM {version} never gives (it reads nothing until the pending command ends)", c.line),
                    out,
                ),
                _ => out.extend(drafts),
            }
        }
        let lost = match self.lost_in_sleep.remove(id) {
            Some(_) if matches!(status, ExchangeStatus::Ok | ExchangeStatus::Error) => {
                // Answered: the SLM was awake after all (the capture missed its wake-up).
                self.expect_reset = None;
                false
            }
            Some(d) => {
                out.push(d);
                true
            }
            None => false,
        };
        if let Some(c) = self.cmds.remove(id).filter(|_| !lost) {
            match status {
                ExchangeStatus::TimedOut => out.push(Draft {
                    id: FindingId::FinalMissing,
                    level: None,
                    t0: c.t0,
                    t1: e.end_ns,
                    message: format!(
                        "{} got no final result within {}; the host then moved on to its next command",
                        c.line,
                        secs(e.end_ns - c.t1)
                    ),
                    help: "The SLM should have answered OK or ERROR by now, and the host gave up waiting. A final result that comes after the next command is taken as that command's answer (it could, less likely, be this one's late answer). Check whether the SLM hung on a network operation, and that the modem side of the capture is complete.".into(),
                    events: vec![c.seq, e.seq],
                }),
                ExchangeStatus::Aborted => out.push(Draft {
                    id: FindingId::FinalMissing,
                    level: None,
                    t0: c.t0,
                    t1: e.end_ns,
                    message: format!("{} got no final result before the modem reset", c.line),
                    help: "The SLM rebooted while this command was running, so it never answered. If the reset was not requested, this command is the first suspect (see slm.reset.unexpected).".into(),
                    events: vec![c.seq, e.seq],
                }),
                ExchangeStatus::Open => {
                    if let Some(d) = c.deadline.filter(|&d| d < self.clock) {
                        out.push(Draft {
                            id: FindingId::FinalMissing,
                            level: None,
                            t0: c.t0,
                            t1: d,
                            message: format!("{} got no final result within {}", c.line, secs(d - c.t1)),
                            help: "The SLM should have answered OK or ERROR by now. Check that the modem side of the capture is complete, the baud rate of the modem line, and whether the SLM hung (a watchdog reset often follows).".into(),
                            events: vec![c.seq],
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn final_for(&mut self, e: &Event, c: &Cmd, result: &FinalResult, latency: Option<i64>, out: &mut Vec<Draft>) {
        // Promises that start at OK (unless the URC already came).
        if result.is_ok() {
            for a in self.active.iter_mut().filter(|a| a.cmd.seq == c.seq && a.from_t.is_none()) {
                a.from_t = Some(e.end_ns);
                a.deadline = Some(e.end_ns + a.spec.within_ms as i64 * 1_000_000);
            }
            if table::PROMISES.iter().any(|p| p.urc == "Ready" && p.command.eq_ignore_ascii_case(&c.name)) {
                self.expect_reset = Some((ExpectReset::Reset, e.end_ns));
            }
        }
        if !result.is_ok() {
            // A failed command promises nothing.
            self.active.retain(|a| a.cmd.seq != c.seq);
        }
        if result.is_ok() {
            if c.name == "+CFUN" && c.form == Some(Form::Set) {
                if let Some(m) = c.params.first().and_then(Param::as_int) {
                    self.cfun = Some((m, e.t_ns));
                }
            }
            if c.name == "#XSLEEP" && c.form == Some(Form::Set) {
                match c.params.first().and_then(Param::as_int) {
                    Some(1) => self.expect_reset = Some((ExpectReset::Sleep, e.end_ns)),
                    Some(2) => self.expect_reset = Some((ExpectReset::Idle, e.end_ns)),
                    _ => {}
                }
            }
            self.credential_write(c);
        }
        if c.name == "%CMNG" {
            self.listing_done(c, result.is_ok(), out);
            if matches!(result, FinalResult::Ok | FinalResult::CmeError(513)) {
                self.query_mapped_tag(e, c, out);
            }
        }
        self.tls_final(c, result, out);
        if let (Some(l), Some(dl)) = (latency, c.deadline) {
            if c.t1 + l > dl {
                out.push(Draft {
                    id: FindingId::FinalLate,
                    level: None,
                    t0: c.t0,
                    t1: e.end_ns,
                    message: format!("{} took {} (documented maximum {})", c.line, secs(l), secs(dl - c.t1)),
                    help: "The SLM answered later than its source allows for this command. A host that times out earlier will have given up; look for a stuck network operation or a modem busy with another task.".into(),
                    events: vec![c.seq, e.seq],
                });
            }
        }
        if result.is_ok() {
            self.succeeded(e, c, out);
        } else {
            self.failure(e, c, result, out);
        }
    }

    pub(super) fn error_draft(&self, e: &Event, c: &Cmd, result: &FinalResult) -> Draft {
        let version = self.version.unwrap_or(SlmVersion::DEFAULT);
        let meaning = match result {
            FinalResult::CmeError(n) => slm::cme_meaning(Some(&c.name), *n).map(str::to_string),
            FinalResult::CmsError(n) => Some(format!("SMS error {n}")),
            _ => None,
        };
        let mut cause: Vec<String> = Vec::new();
        let cfun = self.cfun.map(|(m, _)| m);
        let active = cfun.is_some_and(|m| matches!(m, 1 | 2 | 21));
        // 518 means "not allowed in active state" only for the commands that document it.
        let documents_518 =
            table::command_in(&c.name, version).is_some_and(|spec| table::lookup(spec.cme, 518).is_some());
        if let (FinalResult::CmeError(518), true) = (result, documents_518) {
            if let Some(m) = cfun {
                cause.push(format!("the modem was in AT+CFUN={m} (set earlier in this capture)"));
            }
        }
        if c.form.is_none() {
            let why = c.line.escaped();
            let why = why.trim();
            cause.push(if why.is_empty() {
                format!("an empty line fails the {} grammar check", version.product())
            } else if dialect::has_bare_lf(&c.line.0) {
                "an LF inside the line glued two commands together (see sm.terminator-mismatch)".into()
            } else {
                "the line fails the SLM grammar check: it must start with AT and then +, % or # and a name (v2.1.x also rejects bytes before AT)".into()
            });
        }
        if version.sm && table::slm_only(&c.name).is_some() {
            cause.push(format!(
                "the Serial Modem has no {} (see sm.slm-command): it passes the line to the modem, which rejects it",
                c.name
            ));
        }
        if matches!(result, FinalResult::Error) {
            let ctx = slm::causes::Context { params: &c.params, version, modem_active: active };
            cause.extend(slm::causes::of_error(&c.name, &ctx).map(|k| k.text.to_string()));
        }
        let mut message = format!("{} failed: {result}", c.line);
        if let Some(m) = &meaning {
            message.push_str(&format!(" ({m})"));
        }
        let help = if cause.is_empty() {
            match table::command_in(&c.name, version) {
                Some(spec) => format!(
                    "{} refused the command. Check its parameters against the {} documentation for {}.",
                    if c.name.starts_with('#') { format!("The {}", version.firmware()) } else { "The modem".into() },
                    spec.summary,
                    version.product()
                ),
                None => format!(
                    "The command is not in atscope's table for {}; the {} may not support it in this build.",
                    version.product(),
                    version.firmware()
                ),
            }
        } else {
            format!("Likely cause: {}.", cause.join("; "))
        };
        Draft { id: FindingId::AtError, level: None, t0: c.t0, t1: e.end_ns, message, help, events: vec![c.seq, e.seq] }
    }
}
