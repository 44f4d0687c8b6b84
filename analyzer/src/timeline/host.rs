//! The host side: command lines, or payload while the SLM is in data mode.

use super::*;

impl TimelineBuilder {
    pub(super) fn push_host(&mut self, t: i64, bytes: &[u8]) {
        if let Some(d) = self.doubt.as_mut().filter(|d| d.host_len + bytes.len() <= MAX_DOUBT_HOST) {
            d.host.push((t, bytes.to_vec()));
            d.host_len += bytes.len();
        }
        let mut i = 0;
        while i < bytes.len() {
            if let Some(d) = self.data.as_mut().filter(|d| !d.host_done) {
                // Data mode: everything is payload. v2.2+ ends it at the terminator in the stream.
                let rest = &bytes[i..];
                if self.version.scans_terminator() {
                    let before = d.host.bytes.len();
                    d.host.push(t, rest);
                    if let Some(p) = find(&d.host.bytes[before.saturating_sub(2)..], b"+++") {
                        let end = before.saturating_sub(2) + p + 3;
                        let after = d.host.bytes.split_off(end);
                        d.host.bytes.truncate(end - 3);
                        d.host_done = true;
                        d.terminated = true;
                        i = bytes.len() - after.len();
                        continue;
                    }
                } else {
                    d.host.push(t, rest);
                }
                self.cut_payload_pieces();
                return;
            }
            let (line, n) = self.host.push_until_line(t, &bytes[i..]);
            i += n;
            if let Some(line) = line {
                self.host_line(line);
            }
        }
    }

    pub(super) fn host_line(&mut self, l: HostLine) {
        self.release_held();
        let parsed = if l.overflow {
            Err("longer than the SLM's 4096-byte command buffer".to_string())
        } else {
            match grammar::parse_command(&l.text) {
                Err(grammar::CommandError::EmptyLine) if !self.version.empty_line_is_error() => {
                    return; // v2.5+ ignores blank lines
                }
                parsed => parsed.map_err(|e| e.to_string()),
            }
        };
        self.retire_overdue(l.t0);
        let id = self.next_id;
        self.next_id += 1;
        // The most recent pending commands (bounded, so that a flood of unanswered lines stays linear).
        let skip = self.pending.len().saturating_sub(MAX_LISTED_PENDING);
        let pending: Vec<u32> = self.pending.iter().skip(skip).map(|o| o.id).collect();
        let (cmd, invalid) = match parsed {
            Ok(c) => (Some(c), None),
            Err(why) => (None, Some(why)),
        };
        let enters_data_mode = cmd.as_ref().is_some_and(|c| enters_data_mode(c, self.version));
        if let Some(c) = &cmd {
            if c.is("#XHTTPCREQ") {
                self.http_active = true;
                self.http_claimed = 0;
                self.http_in_body = false;
            }
        }
        let deadline = cmd
            .as_ref()
            .map(|c| crate::slm::table::timeout_ms(&c.name, &c.params, self.version))
            .unwrap_or(Some(crate::slm::table::DEFAULT_SLM_TIMEOUT_MS))
            .map(|ms| l.t1.saturating_add(crate::slm::table::ms_to_ns(ms)));
        let sleep = cmd.as_ref().filter(|c| c.is("#XSLEEP") && c.form == Form::Set).and_then(|c| c.int(0));
        let sleep = sleep.filter(|m| matches!(m, 1 | 2));
        let mux_at_channel = cmd
            .as_ref()
            .filter(|c| c.is("#XCMUX") && matches!(c.form, Form::Set | Form::Exec))
            .map(|c| c.int(0).and_then(|n| u8::try_from(n).ok()).filter(|n| (1..64).contains(n)).unwrap_or(1));
        // The parameters go to the event; the open exchange keeps the name for the answers.
        let (name, form, params) = match cmd {
            Some(c) => (c.name, Some(c.form), c.params),
            None => (String::new(), None, Vec::new()),
        };
        self.emit(
            l.t0,
            l.t1,
            Some(Dir::Host),
            EventKind::Command {
                exchange: id,
                name: name.clone(),
                form,
                params,
                line: Bytes(l.text.clone()),
                invalid,
                overflow: l.overflow,
                pending,
            },
        );
        self.last_command = Some(id);
        self.pending.push_back(Open {
            id,
            name,
            form,
            sleep,
            mux_at_channel,
            line: l.text,
            t0: l.t0,
            t1: l.t1,
            deadline,
            infos: 0,
            enters_data_mode,
        });
    }

    /// A new command after the oldest pending ones ran out of time: the host gave up on them
    /// (an expert reads a retry, not a pipelined command), so a final result that follows
    /// answers the new command, not the overdue one.
    pub(super) fn retire_overdue(&mut self, now: i64) {
        while self.pending.front().is_some_and(|o| o.deadline.is_some_and(|d| d < now)) {
            let open = self.pending.pop_front().expect("checked");
            let end = open.deadline.unwrap_or(open.t1);
            self.emit_exchange(open, end, ExchangeStatus::TimedOut, None, None);
        }
    }
}
