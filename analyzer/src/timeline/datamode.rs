//! Data mode: payload in both directions until `#XDATAMODE` (or the host's terminator).

use super::*;

impl TimelineBuilder {
    pub(super) fn start_data_mode(&mut self, t: i64, exchange: Option<u32>) {
        if self.data.is_some() {
            return;
        }
        self.emit(t, t, None, EventKind::DataMode { enter: true, exchange, result: None, host_terminator: false });
        // Host bytes already buffered as a partial command line belong to the payload.
        let mut host = PayloadAcc::default();
        if let Some(l) = self.host.take_pending() {
            host.push(l.t0, &l.text);
        }
        self.data =
            Some(DataSession { exchange, host, modem: PayloadAcc::default(), host_done: false, terminated: false });
        self.modem.set_data_mode(true);
    }

    /// The terminator that ended data mode is not payload.
    pub(super) fn strip_terminator(&mut self) {
        if let Some(d) = self.data.as_mut() {
            if d.host.bytes.ends_with(b"+++") {
                let n = d.host.bytes.len() - 3;
                d.host.bytes.truncate(n);
                d.terminated = true;
            }
        }
    }

    pub(super) fn end_data_mode(&mut self, t: Option<i64>, result: Option<i64>) {
        self.strip_terminator();
        self.flush_data_payload(Dir::Host);
        self.flush_data_payload(Dir::Modem);
        let Some(d) = self.data.take() else { return };
        let t = t.unwrap_or(d.host.t1.max(d.modem.t1));
        self.emit(
            t,
            t,
            None,
            EventKind::DataMode { enter: false, exchange: d.exchange, result, host_terminator: d.terminated },
        );
        self.modem.set_data_mode(false);
        self.pump_modem();
    }

    pub(super) fn flush_data_payload(&mut self, dir: Dir) {
        let Some(d) = self.data.as_mut() else { return };
        let acc = match dir {
            Dir::Host => &mut d.host,
            Dir::Modem => &mut d.modem,
        };
        if acc.bytes.is_empty() {
            return;
        }
        let acc = std::mem::take(acc);
        let exchange = d.exchange;
        let len = acc.bytes.len();
        self.emit(
            acc.t0,
            acc.t1,
            Some(dir),
            EventKind::Payload { exchange, owner: "data mode".into(), len, data: Bytes(acc.bytes) },
        );
    }

    /// Emits full [`PAYLOAD_PIECE`]s of data-mode payload, so memory stays flat.
    pub(super) fn cut_payload_pieces(&mut self) {
        for dir in [Dir::Host, Dir::Modem] {
            loop {
                let Some(d) = self.data.as_mut() else { return };
                let acc = match dir {
                    Dir::Host => &mut d.host,
                    Dir::Modem => &mut d.modem,
                };
                // Keep the tail that may still be the terminator.
                if acc.bytes.len() < PAYLOAD_PIECE + 3 {
                    break;
                }
                let rest = acc.bytes.split_off(PAYLOAD_PIECE);
                let piece = std::mem::replace(&mut acc.bytes, rest);
                let (t0, t1) = (acc.t0, acc.t1);
                acc.t0 = acc.t1;
                let exchange = d.exchange;
                self.emit(
                    t0,
                    t1,
                    Some(dir),
                    EventKind::Payload { exchange, owner: "data mode".into(), len: piece.len(), data: Bytes(piece) },
                );
            }
        }
    }
}
