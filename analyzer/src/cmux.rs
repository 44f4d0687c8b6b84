//! CMUX (3GPP TS 27.010, basic option), as `AT#XCMUX` (SLM v2.6+, the Serial Modem) and
//! Zephyr's `modem_cmux` put it on the UART: a streaming deframer that cuts one direction's
//! bytes into frames and the bytes between them.
//!
//! A frame is `F9 | address | control | length (1–2 bytes) | information | FCS | F9`:
//! the address holds the DLCI (bits 2–7), C/R (bit 1) and EA (bit 0, always 1); the control
//! byte is the frame type with the P/F bit (0x10); a length byte with EA set is the last one
//! (`len = b0 >> 1 | b1 << 7`). The FCS is CRC-8 (polynomial x^8+x^2+x+1, reflected, initial
//! 0xFF, sent as its ones' complement) over address, control and length, and over the
//! information too for every frame type but UIH. The closing flag may open the next frame.
//!
//! The basic option has no transparency: a payload may hold `F9`. Until the first whole frame
//! is found the deframer is hunting, and a candidate that does not close on a flag is not a
//! frame: its opening byte is given up as stray and the search goes on from the next byte. So a
//! capture that starts in the middle of a frame costs bytes, never a false FCS error. Once in
//! step, a frame that closes but fails its FCS is reported as such.
//!
//! Like the AT framers it only cuts: every byte pushed comes out in exactly one unit, whatever
//! the chunk boundaries were (property test below).

use std::collections::VecDeque;

use crate::stray::Stray;

/// The opening and closing flag.
pub const FLAG: u8 = 0xF9;
/// The longest information field accepted (27.010's largest N1).
pub const MAX_INFO: usize = 32_768;
/// Stray bytes are cut into units of at most this many.
const MAX_STRAY: usize = 4096;

/// Frame types (the control byte without P/F).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FrameType {
    /// Set Asynchronous Balanced Mode: open a DLCI.
    Sabm,
    /// Unnumbered Acknowledgement.
    Ua,
    /// Disconnected Mode: the DLCI is refused or closed.
    Dm,
    /// Disconnect: close a DLCI.
    Disc,
    /// Unnumbered Information with Header check: data (FCS over the header only).
    Uih,
    /// Unnumbered Information: data (FCS over the whole frame).
    Ui,
    /// Any other control value.
    Other(u8),
}

impl FrameType {
    /// The type of control byte `c`.
    pub fn of(c: u8) -> FrameType {
        match c & !0x10 {
            0x2F => FrameType::Sabm,
            0x63 => FrameType::Ua,
            0x0F => FrameType::Dm,
            0x43 => FrameType::Disc,
            0xEF => FrameType::Uih,
            0x03 => FrameType::Ui,
            other => FrameType::Other(other),
        }
    }

    /// Its name as 27.010 writes it.
    pub fn name(self) -> &'static str {
        match self {
            FrameType::Sabm => "SABM",
            FrameType::Ua => "UA",
            FrameType::Dm => "DM",
            FrameType::Disc => "DISC",
            FrameType::Uih => "UIH",
            FrameType::Ui => "UI",
            FrameType::Other(_) => "?",
        }
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Time of the opening flag (or of the address byte when the flag was the previous frame's).
    pub t0: i64,
    /// Time of the closing flag.
    pub t1: i64,
    /// The data link connection: 0 is the control channel.
    pub dlci: u8,
    /// The C/R bit of the address.
    pub cr: bool,
    /// The control byte.
    pub control: u8,
    /// The information field.
    pub info: Vec<u8>,
    /// The FCS checked.
    pub fcs_ok: bool,
}

impl Frame {
    /// The frame type.
    pub fn kind(&self) -> FrameType {
        FrameType::of(self.control)
    }

    /// The poll/final bit.
    pub fn pf(&self) -> bool {
        self.control & 0x10 != 0
    }
}

/// What the deframer cuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A whole frame.
    Frame(Frame),
    /// Bytes outside any frame: before the first, between frames, or a frame that broke off.
    Stray(Stray),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for a flag.
    Hunt,
    /// After a flag: the address byte (more flags are skipped).
    Address,
    Control,
    Length,
    Length2,
    Info(usize),
    Fcs,
    Close,
}

/// The streaming deframer of one direction.
#[derive(Debug)]
pub struct Deframer {
    state: State,
    /// Found a whole frame (in step).
    synced: bool,
    /// The frame being read: flag (if it was not the previous frame's closing one), header,
    /// information and FCS, with the time of each byte.
    cand: Vec<(u8, i64)>,
    /// Where the header starts in `cand` (after the opening flag, if any).
    header_at: usize,
    info_len: usize,
    stray: Stray,
    out: VecDeque<Unit>,
    /// Bytes given back to be scanned again after a candidate broke off.
    replay: VecDeque<(u8, i64)>,
}

impl Default for Deframer {
    fn default() -> Self {
        Deframer::new()
    }
}

impl Deframer {
    /// A deframer hunting for its first frame.
    pub fn new() -> Self {
        Deframer {
            state: State::Hunt,
            synced: false,
            cand: Vec::new(),
            header_at: 0,
            info_len: 0,
            stray: Stray::default(),
            out: VecDeque::new(),
            replay: VecDeque::new(),
        }
    }

    /// Whether a whole frame has been found.
    pub fn in_step(&self) -> bool {
        self.synced
    }

    /// Pushes the bytes that arrived at time `t`.
    pub fn push(&mut self, t: i64, bytes: &[u8]) {
        for &b in bytes {
            self.step(b, t);
            while let Some((b, t)) = self.replay.pop_front() {
                self.step(b, t);
            }
        }
    }

    /// The next unit, if one is complete.
    pub fn next_unit(&mut self) -> Option<Unit> {
        self.out.pop_front()
    }

    /// The stray bytes found since the last unit, not yet given out (a `Ready` outside frames
    /// is looked for in them).
    pub fn stray_so_far(&self) -> &[u8] {
        &self.stray.data
    }

    /// Takes the stray bytes found since the last unit (the link stops being CMUX).
    pub fn take_stray(&mut self) -> Option<Stray> {
        self.stray.take()
    }

    /// At the end of the capture: a frame cut short and the stray bytes come out as stray.
    pub fn finish(&mut self) {
        let cand = std::mem::take(&mut self.cand);
        for (b, t) in cand {
            self.stray_byte(b, t);
        }
        self.state = State::Hunt;
        self.flush_stray();
    }

    fn stray_byte(&mut self, b: u8, t: i64) {
        self.stray.push(b, t);
        if self.stray.len() >= MAX_STRAY {
            self.flush_stray();
        }
    }

    fn flush_stray(&mut self) {
        if let Some(s) = self.stray.take() {
            self.out.push_back(Unit::Stray(s));
        }
    }

    /// The candidate is no frame: its first byte is stray, the rest is scanned again. A frame
    /// that broke off puts the deframer out of step; bytes between frames do not.
    fn give_up(&mut self) {
        let between_frames = self.header_at == 0;
        self.give_up_keeping(between_frames);
    }

    fn give_up_keeping(&mut self, keep_step: bool) {
        let mut cand = std::mem::take(&mut self.cand).into_iter();
        if let Some((b, t)) = cand.next() {
            self.stray_byte(b, t);
        }
        let rest: Vec<(u8, i64)> = cand.collect();
        for x in rest.into_iter().rev() {
            self.replay.push_front(x);
        }
        self.state = State::Hunt;
        self.synced &= keep_step;
    }

    fn step(&mut self, b: u8, t: i64) {
        match self.state {
            State::Hunt => {
                if b == FLAG {
                    self.cand.clear();
                    self.cand.push((b, t));
                    self.header_at = 1;
                    self.state = State::Address;
                } else {
                    self.stray_byte(b, t);
                }
            }
            State::Address => {
                if b == FLAG {
                    // Repeated flags: the earlier one was fill.
                    if let Some((f, tf)) = self.cand.pop() {
                        self.stray_byte(f, tf);
                    }
                    self.cand.push((b, t));
                    self.header_at = 1;
                } else if b & 1 == 1 {
                    self.cand.push((b, t));
                    self.state = State::Control;
                } else if self.header_at == 0 {
                    // The flag was the previous frame's closing one and no frame follows.
                    self.state = State::Hunt;
                    self.step(b, t);
                } else {
                    self.cand.push((b, t));
                    self.give_up();
                }
            }
            State::Control => {
                self.cand.push((b, t));
                // Only the six frame types of the basic option: anything else (text between
                // frames, a false flag inside a payload) is no frame.
                if matches!(FrameType::of(b), FrameType::Other(_)) {
                    self.give_up();
                } else {
                    self.state = State::Length;
                }
            }
            State::Length => {
                self.cand.push((b, t));
                if b & 1 == 1 {
                    self.begin_info(usize::from(b >> 1));
                } else {
                    self.state = State::Length2;
                }
            }
            State::Length2 => {
                self.cand.push((b, t));
                let lo = usize::from(self.cand[self.cand.len() - 2].0 >> 1);
                let len = lo | usize::from(b) << 7;
                if len > MAX_INFO {
                    self.give_up_keeping(false);
                } else {
                    self.begin_info(len);
                }
            }
            State::Info(left) => {
                self.cand.push((b, t));
                self.state = if left > 1 { State::Info(left - 1) } else { State::Fcs };
            }
            State::Fcs => {
                self.cand.push((b, t));
                self.state = State::Close;
            }
            State::Close => {
                if b != FLAG {
                    self.cand.push((b, t));
                    self.give_up_keeping(false);
                    return;
                }
                let frame = self.frame(t);
                if !frame.fcs_ok && !self.synced {
                    // Not in step yet: a bad check means this was no frame.
                    self.cand.push((b, t));
                    self.give_up_keeping(false);
                    return;
                }
                self.synced = true;
                self.flush_stray();
                self.out.push_back(Unit::Frame(frame));
                // The closing flag may open the next frame, which then starts at its address byte.
                self.cand.clear();
                self.header_at = 0;
                self.state = State::Address;
            }
        }
    }

    fn begin_info(&mut self, len: usize) {
        self.info_len = len;
        self.state = if len == 0 { State::Fcs } else { State::Info(len) };
    }

    fn frame(&self, t1: i64) -> Frame {
        let h = self.header_at;
        let bytes: Vec<u8> = self.cand.iter().map(|x| x.0).collect();
        let (addr, control) = (bytes[h], bytes[h + 1]);
        let len_bytes = if bytes[h + 2] & 1 == 1 { 1 } else { 2 };
        let info_at = h + 2 + len_bytes;
        let info = bytes[info_at..info_at + self.info_len].to_vec();
        let fcs = bytes[info_at + self.info_len];
        let covered = if FrameType::of(control) == FrameType::Uih {
            &bytes[h..info_at]
        } else {
            &bytes[h..info_at + self.info_len]
        };
        Frame {
            t0: self.cand[0].1,
            t1,
            dlci: addr >> 2,
            cr: addr & 2 != 0,
            control,
            info,
            fcs_ok: crc8(covered.iter().copied().chain([fcs])) == GOOD_FCS,
        }
    }
}

/// What the CRC over the covered bytes and a correct FCS comes to.
const GOOD_FCS: u8 = 0xCF;

/// CRC-8 of 27.010 (reflected polynomial 0xE0, initial 0xFF), without the final complement.
pub fn crc8(bytes: impl IntoIterator<Item = u8>) -> u8 {
    let mut crc: u8 = 0xFF;
    for b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xE0 } else { crc >> 1 };
        }
    }
    crc
}

/// The FCS a sender puts after `covered` (address, control, length, and the information for
/// every type but UIH).
pub fn fcs(covered: &[u8]) -> u8 {
    0xFF - crc8(covered.iter().copied())
}

/// Encodes a frame as a sender does (one opening and one closing flag).
pub fn encode(dlci: u8, cr: bool, control: u8, info: &[u8]) -> Vec<u8> {
    let mut head = vec![dlci << 2 | u8::from(cr) << 1 | 1, control];
    if info.len() < 128 {
        head.push((info.len() as u8) << 1 | 1);
    } else {
        head.push(((info.len() & 0x7F) as u8) << 1);
        head.push((info.len() >> 7) as u8);
    }
    let covered: Vec<u8> =
        if FrameType::of(control) == FrameType::Uih { head.clone() } else { [head.as_slice(), info].concat() };
    let mut out = vec![FLAG];
    out.extend_from_slice(&head);
    out.extend_from_slice(info);
    out.push(fcs(&covered));
    out.push(FLAG);
    out
}

/// A control-channel (DLCI 0) message: type (without C/R and EA), command or response, values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlMessage {
    /// The message type.
    pub kind: ControlType,
    /// A command (C/R set) rather than a response.
    pub command: bool,
    /// Its value octets.
    pub values: Vec<u8>,
}

/// Control-channel message types (27.010 §5.4.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlType {
    /// Parameter negotiation.
    Pn,
    /// Power saving control.
    Psc,
    /// Multiplexer close down.
    Cld,
    /// Test.
    Test,
    /// Flow control on (all DLCIs).
    FcOn,
    /// Flow control off (all DLCIs).
    FcOff,
    /// Modem status command (V.24 signals of one DLCI).
    Msc,
    /// Non-supported command response.
    Nsc,
    /// Remote port negotiation.
    Rpn,
    /// Remote line status.
    Rls,
    /// Service negotiation.
    Snc,
    /// Any other type.
    Other(u8),
}

impl ControlType {
    fn of(b: u8) -> ControlType {
        match b & 0xFC {
            0x80 => ControlType::Pn,
            0x40 => ControlType::Psc,
            0xC0 => ControlType::Cld,
            0x20 => ControlType::Test,
            0xA0 => ControlType::FcOn,
            0x60 => ControlType::FcOff,
            0xE0 => ControlType::Msc,
            0x10 => ControlType::Nsc,
            0x90 => ControlType::Rpn,
            0x50 => ControlType::Rls,
            0xD0 => ControlType::Snc,
            other => ControlType::Other(other),
        }
    }

    /// Its 27.010 abbreviation.
    pub fn name(self) -> &'static str {
        match self {
            ControlType::Pn => "PN",
            ControlType::Psc => "PSC",
            ControlType::Cld => "CLD",
            ControlType::Test => "Test",
            ControlType::FcOn => "FCon",
            ControlType::FcOff => "FCoff",
            ControlType::Msc => "MSC",
            ControlType::Nsc => "NSC",
            ControlType::Rpn => "RPN",
            ControlType::Rls => "RLS",
            ControlType::Snc => "SNC",
            ControlType::Other(_) => "?",
        }
    }
}

/// The control messages in a DLCI 0 information field; `None` when the bytes do not parse
/// (a length past the end).
pub fn control_messages(info: &[u8]) -> Option<Vec<ControlMessage>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < info.len() {
        let ty = info[i];
        i += 1;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = *info.get(i)?;
            i += 1;
            len |= usize::from(b >> 1) << shift;
            shift += 7;
            if b & 1 == 1 || shift > 21 {
                break;
            }
        }
        let values = info.get(i..i.checked_add(len)?)?.to_vec();
        i += len;
        out.push(ControlMessage { kind: ControlType::of(ty), command: ty & 2 != 0, values });
    }
    Some(out)
}

#[cfg(test)]
mod tests;
