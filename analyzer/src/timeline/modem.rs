//! The modem side: lines, final results and their pairing with commands, URCs, resets.

use super::*;

impl TimelineBuilder {
    pub(super) fn pump_modem(&mut self) {
        if self.replaying {
            return;
        }
        loop {
            if self.mux_start.is_some() {
                // The bytes after `AT#XCMUX`'s `OK` are frames: they wait for the caller.
                return;
            }
            match self.expect.front() {
                Some(Expect::CrLf) => {
                    // The CR LF after a `#XMQTTMSG` topic or payload: skip it if it is there.
                    match self.modem.peek(2) {
                        None if self.modem.peek(1).is_none_or(|b| b == b"\r") => return,
                        Some(b"\r\n") => self.modem.skip(2),
                        _ => {}
                    }
                    self.expect.pop_front();
                    continue;
                }
                Some(Expect::Payload { n, .. }) if !self.modem.in_payload() => self.modem.expect_payload(*n),
                _ => {}
            }
            let Some(u) = self.modem.next_unit() else {
                return;
            };
            self.modem_unit(u);
        }
    }

    pub(super) fn modem_unit(&mut self, u: ModemUnit) {
        if self.doubt.is_some() && self.settle_doubt(&u).is_some() {
            // The unit goes back to the framer, to be cut again in command mode.
            return self.pump_modem();
        }
        match u {
            ModemUnit::Bytes { t0, t1, bytes } => {
                if let Some(Expect::Payload { owner, exchange, .. }) = self.expect.front().cloned() {
                    // A payload arrives whole, unless the capture ends inside it.
                    self.expect.pop_front();
                    let len = bytes.len();
                    self.emit(
                        t0,
                        t1,
                        Some(Dir::Modem),
                        EventKind::Payload { exchange, owner: owner.into(), len, data: Bytes(bytes) },
                    );
                    if self.data.is_some() {
                        self.modem.set_data_mode(true);
                    }
                } else if let Some(d) = self.data.as_mut() {
                    d.modem.push(t0, &bytes);
                    self.cut_payload_pieces();
                } else {
                    self.emit(
                        t0,
                        t1,
                        Some(Dir::Modem),
                        EventKind::Garbage {
                            data: Bytes(bytes),
                            why: "modem bytes cut off at the end of the capture".into(),
                        },
                    );
                }
            }
            ModemUnit::Line { t0, t1, raw, lead, end } => {
                if self.data.is_some() {
                    if &raw[lead..end] == b"Ready" {
                        // A bare Ready in data mode: a reboot, or a peer that sent "Ready".
                        self.doubt = Some(Doubt { t0, t1, raw, host: Vec::new(), host_len: 0 });
                        return;
                    }
                    self.flush_data_payload(Dir::Modem);
                }
                self.modem_line(t0, t1, raw, lead, end);
            }
        }
    }

    /// The modem unit after a doubtful `Ready` in data mode settles it: an answer to a command
    /// or a modem URC (both impossible in data mode) proves the reboot; an SLM line such as
    /// `#XDATAMODE` or more received data proves it was payload.
    pub(super) fn settle_doubt(&mut self, u: &ModemUnit) -> Option<ModemUnit> {
        let d = self.doubt.take()?;
        let rebooted = match u {
            ModemUnit::Bytes { bytes, .. } => {
                let after = bytes.strip_prefix(b"\r\n").unwrap_or(&[]);
                bytes.starts_with(b"Ready")
                    || [&b"OK\r"[..], b"ERROR\r", b"+", b"%"].iter().any(|p| after.starts_with(p))
            }
            ModemUnit::Line { .. } => false,
        };
        if !rebooted {
            if let Some(data) = self.data.as_mut() {
                data.modem.push(d.t0, &d.raw);
            }
            return None;
        }
        // The host bytes sent since the Ready were commands, not payload.
        if let Some(data) = self.data.as_mut() {
            let keep = data.host.bytes.len().saturating_sub(d.host_len);
            data.host.bytes.truncate(keep);
        }
        self.replaying = true;
        self.reset(d.t0, d.t1, Vec::new());
        for (t, b) in d.host {
            self.push_host(t, &b);
        }
        self.replaying = false;
        let (ModemUnit::Bytes { t0, bytes, .. } | ModemUnit::Line { t0, raw: bytes, .. }) = u;
        self.modem.unread(*t0, bytes);
        Some(u.clone())
    }

    /// A modem line, `raw[lead..end]` (see [`ModemUnit::Line`]).
    pub(super) fn modem_line(&mut self, t0: i64, t1: i64, raw: Vec<u8>, lead: usize, end: usize) {
        let text = &raw[lead..end];
        // `Ready` at the end of a line, garbage allowed before it: a reset.
        if is_ready(text) {
            let trailer_may_follow = self.http_active || (payloads::proxy_data_trails(self.version) && self.proxy_open);
            if self.pending.is_empty() && self.data.is_none() && trailer_may_follow {
                // An HTTP response (every version) and v2.1.x/v2.2.x proxy data come before their
                // `#XHTTPCRSP`/`#XTCPDATA` trailer and may hold a `Ready` line of their own: the
                // next line tells.
                self.hold(t0, t1, text.to_vec(), raw);
                return;
            }
            let garbage = text[..text.len() - 5].to_vec();
            self.release_held();
            self.reset(t0, t1, garbage);
            return;
        }
        // Split a garbage prefix off a line that is otherwise clean.
        let (garbage, clean) = split_garbage(text);
        let garbage_len = garbage.len();
        if !garbage.is_empty() {
            self.release_held();
            let why = if clean.is_empty() { "bytes that fit no AT item" } else { "bytes before an AT line" };
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Garbage { data: Bytes(garbage.to_vec()), why: why.into() });
            if clean.is_empty() {
                return;
            }
        }
        // The clean line is the text's tail: the text itself when nothing came before it.
        let clean = lead + garbage_len..end;
        let parsed = grammar::parse_modem_line(&raw[clean.clone()]);
        // A `+CMT`/`+CDS` header announces the next line only.
        let pdu_follows = std::mem::take(&mut self.pdu_follows);
        self.pdu_follows = pdu_follows.filter(|_| matches!(parsed, ModemLine::Text));
        let holding = self.pending.is_empty() && (payloads::proxy_data_trails(self.version) || self.http_active);
        match parsed {
            ModemLine::Final(r) => {
                if self.pending.is_empty() && holding {
                    self.hold(t0, t1, raw[clean].to_vec(), raw);
                    return;
                }
                self.release_held();
                self.final_result(t0, t1, r);
            }
            ModemLine::Prefixed { name, params } => {
                if self.trailer(&name, &params, &raw[..lead]) {
                    let line = Bytes(cut(raw, clean));
                    self.emit(t0, t1, Some(Dir::Modem), EventKind::Urc { name, params, line });
                    return;
                }
                self.release_held();
                self.prefixed(t0, t1, name, params, cut(raw, clean));
            }
            ModemLine::Text if self.pdu_follows.is_some() && is_hex(&raw[clean.clone()]) => {
                // The PDU line of a `+CMT`/`+CDS` SMS notification (§7).
                let owner = self.pdu_follows.take().unwrap_or_default();
                let clean = cut(raw, clean);
                let len = clean.len();
                self.emit(
                    t0,
                    t1,
                    Some(Dir::Modem),
                    EventKind::Payload { exchange: None, owner: format!("{owner} PDU"), len, data: Bytes(clean) },
                );
            }
            ModemLine::Text => {
                if holding {
                    self.hold(t0, t1, raw[clean].to_vec(), raw);
                    return;
                }
                self.release_held();
                self.text_line(t0, t1, cut(raw, clean));
            }
        }
    }

    pub(super) fn text_line(&mut self, t0: i64, t1: i64, line: Vec<u8>) {
        if let Some(open) = self.pending.front_mut() {
            open.infos += 1;
            let exchange = open.id;
            self.emit(
                t0,
                t1,
                Some(Dir::Modem),
                EventKind::Info { exchange, name: None, params: Vec::new(), line: Bytes(line) },
            );
        } else {
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Text { line: Bytes(line) });
        }
    }

    pub(super) fn final_result(&mut self, t0: i64, t1: i64, r: FinalResult) {
        // An unsolicited +CMS ERROR: 524 is a URC (the modem dropped the SMS client).
        if self.pending.is_empty() && r == FinalResult::CmsError(524) {
            self.emit(
                t0,
                t1,
                Some(Dir::Modem),
                EventKind::Urc {
                    name: "+CMS ERROR".into(),
                    params: vec![Param::Int(524)],
                    line: Bytes(b"+CMS ERROR: 524".to_vec()),
                },
            );
            return;
        }
        let Some(open) = self.pending.pop_front() else {
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Final { exchange: None, result: r, latency_ns: None });
            return;
        };
        if !self.version.allows_pipelining() && self.version_known {
            // RX was off until this final result: commands sent meanwhile were never read.
            // (With an assumed version they wait: their own answers would prove a newer SLM.)
            while let Some(lost) = self.pending.pop_front() {
                self.emit_exchange(lost, t0, ExchangeStatus::Lost, None, None);
            }
        }
        let latency = t0 - open.t1;
        let id = open.id;
        self.emit(
            t0,
            t1,
            Some(Dir::Modem),
            EventKind::Final { exchange: Some(id), result: r.clone(), latency_ns: Some(latency) },
        );
        let enters = open.enters_data_mode && r.is_ok();
        // An answer proves the SLM awake (a capture can miss the wake-up's `Ready`).
        self.asleep = None;
        if r.is_ok() {
            // `#XSLEEP=1` (sleep) or `=2` (idle): the UART is off until the wake-up's `Ready`.
            self.asleep = open.sleep;
            // `AT#XCMUX[=<AT_channel>]`: CMUX runs from this `OK` on.
            if let Some(at_channel) = open.mux_at_channel {
                self.mux_start = Some(MuxStart { t_ns: t1, exchange: id, at_channel });
            }
        }
        let status = if r.is_ok() { ExchangeStatus::Ok } else { ExchangeStatus::Error };
        self.emit_exchange(open, t1, status, Some(r), Some(latency));
        if enters {
            self.start_data_mode(t1, Some(id));
        }
    }

    pub(super) fn emit_exchange(
        &mut self,
        open: Open,
        end: i64,
        status: ExchangeStatus,
        result: Option<FinalResult>,
        latency_ns: Option<i64>,
    ) {
        let t0 = open.t0;
        self.emit(
            t0,
            end.max(t0),
            None,
            EventKind::Exchange {
                id: open.id,
                name: open.name,
                line: Bytes(open.line),
                status,
                result,
                latency_ns,
                info_lines: open.infos,
            },
        );
    }

    pub(super) fn prefixed(&mut self, t0: i64, t1: i64, name: String, params: Vec<Param>, line: Vec<u8>) {
        if let Some(v) = SlmVersion::announced(&name, &params).filter(|_| self.cfg.version.is_none()) {
            self.version = v;
            self.version_known = true;
        }
        let answers = self.pending.front().is_some_and(|o| {
            o.form.is_some()
                && answers_command(&o.name, &name)
                && !(o.form == Some(Form::Read) && crate::slm::urc_during_read(&name, &params, o.infos > 0))
        });
        let exchange = if answers { self.pending.front().map(|o| o.id) } else { None };
        if let Some(open) = self.pending.front_mut().filter(|_| answers) {
            open.infos += 1;
        }
        let first_int = params.first().and_then(Param::as_int);
        // A payload this line announces: its parts' sizes, read before the params move on.
        let announced = payloads::announcer(&name, self.version)
            .filter(|a| a.place == payloads::Place::After && (exchange.is_some() || !a.answer_only))
            .and_then(|a| Some((a, a.sizes(&params, MAX_ANNOUNCED)?)));
        // What the line changes after its event, told before the name and params move into it.
        let then = match name.as_str() {
            "#XDATAMODE" => Then::EndDataMode,
            "+CMT" | "+CDS" if exchange.is_none() => Then::PduFollows(name.clone()),
            // `<h>,"connected"`, `"<ip>","connected"`, `<h>,"started"` open a proxy;
            // `…,"disconnected"`, `"stopped"`, `"not connected"` close it.
            "#XTCPCLI" | "#XTCPSVR" | "#XUDPCLI" | "#XUDPSVR" => match params.last().and_then(Param::as_text) {
                Some("connected" | "started") => Then::Proxy(true),
                Some("disconnected" | "stopped" | "not connected") => Then::Proxy(false),
                _ => Then::Nothing,
            },
            "#XHTTPCREQ" => Then::HttpRequest,
            _ => Then::Nothing,
        };
        let kind = match exchange {
            Some(ex) => EventKind::Info { exchange: ex, name: Some(name), params, line: Bytes(line) },
            None => EventKind::Urc { name, params, line: Bytes(line) },
        };
        if matches!(then, Then::EndDataMode) {
            // The payload came before the line that ends it.
            self.strip_terminator();
            self.flush_data_payload(Dir::Host);
            self.flush_data_payload(Dir::Modem);
        }
        self.emit(t0, t1, Some(Dir::Modem), kind);
        if let Some((a, sizes)) = announced {
            self.expect_parts(a, sizes, exchange.filter(|_| a.answer_only));
        }
        match then {
            Then::EndDataMode if self.data.is_some() => self.end_data_mode(Some(t0), first_int),
            Then::PduFollows(name) => self.pdu_follows = Some(name),
            Then::Proxy(open) => self.proxy_open = open,
            Then::HttpRequest => match first_int {
                Some(1) => {
                    let ex = self.pending.front().map(|o| o.id).or(self.last_command);
                    self.start_data_mode(t1, ex);
                }
                Some(n) if n < 0 => self.http_active = false,
                _ => {}
            },
            _ => {}
        }
    }

    /// Expects the payload parts line `a` announces, of `sizes` bytes each.
    fn expect_parts(&mut self, a: &payloads::Announcer, sizes: Vec<usize>, exchange: Option<u32>) {
        for (part, n) in a.parts.iter().zip(sizes) {
            if n > 0 {
                self.expect.push_back(Expect::Payload { n, owner: part.owner, exchange });
            }
            if part.crlf_after {
                self.expect.push_back(Expect::CrLf);
            }
        }
    }

    pub(super) fn reset(&mut self, t0: i64, t1: i64, garbage: Vec<u8>) {
        let aborted: Vec<u32> = self.pending.iter().map(|o| o.id).collect();
        self.emit(
            t0,
            t1,
            Some(Dir::Modem),
            EventKind::Reset(ResetInfo { garbage: Bytes(garbage), aborted, last_command: self.last_command }),
        );
        // Commands sent while the SLM slept were never read: lost, not aborted.
        let asleep = self.asleep.take();
        let status = if asleep.is_some() { ExchangeStatus::Lost } else { ExchangeStatus::Aborted };
        while let Some(open) = self.pending.pop_front() {
            self.emit_exchange(open, t0, status, None, None);
        }
        if asleep == Some(2) {
            return; // the resume from idle is no reboot: sockets and sessions live on
        }
        if self.data.is_some() {
            self.end_data_mode(None, None);
        }
        self.expect.clear();
        self.modem.expect_payload(0);
        self.modem.set_data_mode(false);
        self.http_active = false;
        self.proxy_open = false;
        self.http_claimed = 0;
        self.http_in_body = false;
    }
}

/// What a prefixed modem line changes in the session after its event.
enum Then {
    /// `#XDATAMODE`: data mode ends (if it is on).
    EndDataMode,
    /// `+CMT`/`+CDS` (a URC): the next line is its PDU.
    PduFollows(String),
    /// A v2.1.x/v2.2.x proxy connection opened (`true`) or closed.
    Proxy(bool),
    /// `#XHTTPCREQ`: an HTTP request's payload starts, or the request failed.
    HttpRequest,
    Nothing,
}

/// The bytes of `range`, cut out of `raw` in its own buffer (the line's one copy out of the
/// framer becomes the event's).
fn cut(mut raw: Vec<u8>, range: std::ops::Range<usize>) -> Vec<u8> {
    raw.truncate(range.end);
    raw.drain(..range.start);
    raw
}
