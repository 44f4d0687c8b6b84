//! Which channel is the host and which the modem.
//!
//! The user can say (`--host NAME|INDEX`, `--modem NAME|INDEX`). Otherwise channels named
//! `host`/`modem` are taken at their word, and else the content decides: the side whose lines
//! start with `AT` is the host. A capture of one side only still decodes.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::{CaptureError, ChannelInfo, ChannelItem, ChannelSource};
use crate::chunk::{Body, Chunk, Dir, Record};

/// How many items auto-detection may look at before it decides.
const LOOKAHEAD_ITEMS: usize = 20_000;
/// How many bytes per channel auto-detection may look at before it decides.
const LOOKAHEAD_BYTES: usize = 64 * 1024;

/// A channel source with host and modem decided: an iterator of [`Record`]s.
pub struct Assigned {
    src: Box<dyn ChannelSource>,
    path: PathBuf,
    roles: Vec<Option<Dir>>,
    pending: VecDeque<ChannelItem>,
    explanation: String,
}

/// Finds a channel by name (case-insensitive) or by index.
pub fn find_channel(channels: &[ChannelInfo], sel: &str) -> Option<usize> {
    let sel = sel.trim();
    channels
        .iter()
        .position(|c| c.name == sel)
        .or_else(|| channels.iter().position(|c| c.name.eq_ignore_ascii_case(sel)))
        .or_else(|| sel.parse::<usize>().ok().filter(|&i| i < channels.len()))
}

impl Assigned {
    /// Decides the roles, reading ahead into `src` if it must.
    pub fn new(
        mut src: Box<dyn ChannelSource>,
        path: &Path,
        host: Option<&str>,
        modem: Option<&str>,
    ) -> Result<Self, CaptureError> {
        let channels = src.channels().to_vec();
        let names = || listed(channels.iter().map(|c| format!("{} ({:?})", c.index, short(&c.name))));
        let resolve = |sel: &str, flag: &str| {
            find_channel(&channels, sel).ok_or_else(|| CaptureError::Unusable {
                path: path.to_path_buf(),
                why: format!("{flag} {sel:?} names no channel; the channels are {}", names()),
            })
        };
        let mut roles = vec![None; channels.len()];
        let h = host.map(|s| resolve(s, "--host")).transpose()?;
        let m = modem.map(|s| resolve(s, "--modem")).transpose()?;
        if let (Some(h), Some(m)) = (h, m) {
            if h == m {
                return Err(CaptureError::Unusable {
                    path: path.to_path_buf(),
                    why: "--host and --modem name the same channel".into(),
                });
            }
        }
        let mut pending = VecDeque::new();
        let explanation;
        if h.is_some() || m.is_some() {
            if let Some(h) = h {
                roles[h] = Some(Dir::Host);
            }
            if let Some(m) = m {
                roles[m] = Some(Dir::Modem);
            }
            // One side named and exactly two channels: the other is the other side.
            if channels.len() == 2 {
                if let Some(h) = h.filter(|_| m.is_none()) {
                    roles[1 - h] = Some(Dir::Modem);
                }
                if let Some(m) = m.filter(|_| h.is_none()) {
                    roles[1 - m] = Some(Dir::Host);
                }
            }
            explanation = describe(&channels, &roles, "as given");
        } else if let Some(by_name) = by_names(&channels) {
            roles = by_name;
            explanation = describe(&channels, &roles, "by channel name");
        } else {
            let mut scan = vec![Scan::default(); channels.len()];
            while pending.len() < LOOKAHEAD_ITEMS && scan.iter().all(|s| s.bytes < LOOKAHEAD_BYTES) {
                match src.next() {
                    None => break,
                    Some(Err(e)) => return Err(e),
                    Some(Ok(item)) => {
                        if let ChannelItem::Chunk(c) = &item {
                            if let (Body::Bytes(b), Some(s)) = (&c.body, scan.get_mut(c.channel)) {
                                s.feed(b);
                            }
                        }
                        pending.push_back(item);
                    }
                }
            }
            roles = by_content(&scan);
            let how = if scan.iter().any(|s| s.at_lines > 0) {
                "from the content: the side whose lines start with AT is the host"
            } else {
                "no line starting with AT seen: the busiest channel is taken as the modem; give --host/--modem to choose"
            };
            explanation = describe(&channels, &roles, how);
        }
        Ok(Assigned { src, path: path.to_path_buf(), roles, pending, explanation })
    }

    /// One sentence telling which channel was taken for which side, and why.
    pub fn explanation(&self) -> &str {
        &self.explanation
    }

    /// The capture channel taken for `dir`, if any.
    pub fn channel_of(&self, dir: Dir) -> Option<usize> {
        self.roles.iter().position(|r| *r == Some(dir))
    }

    /// The underlying source (for notes and warnings).
    pub fn source_mut(&mut self) -> &mut dyn ChannelSource {
        self.src.as_mut()
    }

    /// Channels decoded at a configured rate their pulses contradict, with the side each is.
    pub fn baud_mismatches(&self) -> Vec<(Option<Dir>, String, super::BaudMismatch)> {
        let channels = self.src.channels();
        self.src
            .baud_mismatches()
            .into_iter()
            .map(|m| {
                let name = channels.get(m.channel).map(|c| c.name.clone()).unwrap_or_default();
                (self.roles.get(m.channel).copied().flatten(), name, m)
            })
            .collect()
    }

    /// The SLM version the file declares, if it does.
    pub fn declared_slm(&self) -> Option<String> {
        self.src.declared_slm()
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn to_record(&self, item: ChannelItem) -> Option<Record> {
        match item {
            ChannelItem::Record(r) => Some(r),
            ChannelItem::Mark(m) => Some(Record::Mark(m)),
            ChannelItem::Chunk(c) => {
                let dir = (*self.roles.get(c.channel)?)?;
                Some(Record::Chunk(Chunk { t_ns: c.t_ns, dir, body: c.body }))
            }
        }
    }
}

impl Iterator for Assigned {
    type Item = Result<Record, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = match self.pending.pop_front() {
                Some(i) => i,
                None => match self.src.next()? {
                    Ok(i) => i,
                    Err(e) => return Some(Err(e)),
                },
            };
            if let Some(r) = self.to_record(item) {
                return Some(Ok(r));
            }
        }
    }
}

fn by_names(channels: &[ChannelInfo]) -> Option<Vec<Option<Dir>>> {
    let roles: Vec<Option<Dir>> = channels
        .iter()
        .map(|c| match c.name.to_ascii_lowercase().as_str() {
            "host" | "dte" | "mcu" => Some(Dir::Host),
            "modem" | "dce" | "slm" | "nrf9160" => Some(Dir::Modem),
            _ => None,
        })
        .collect();
    let has = |d| roles.iter().filter(|r| **r == Some(d)).count() == 1;
    (has(Dir::Host) && has(Dir::Modem)).then_some(roles)
}

/// What auto-detection learnt about one channel.
#[derive(Debug, Clone, Default)]
struct Scan {
    bytes: usize,
    at_lines: usize,
    line_start: Vec<u8>,
    at_line_start: bool,
}

impl Scan {
    fn feed(&mut self, b: &[u8]) {
        if self.bytes == 0 {
            self.at_line_start = true;
        }
        self.bytes += b.len();
        for &c in b {
            if c == b'\r' || c == b'\n' {
                self.at_line_start = true;
                self.line_start.clear();
                continue;
            }
            if self.at_line_start {
                self.line_start.push(c.to_ascii_uppercase());
                if self.line_start.len() == 2 {
                    if self.line_start == b"AT" {
                        self.at_lines += 1;
                    }
                    self.at_line_start = false;
                }
            }
        }
    }
}

fn by_content(scan: &[Scan]) -> Vec<Option<Dir>> {
    let mut roles = vec![None; scan.len()];
    let with_data: Vec<usize> = (0..scan.len()).filter(|&i| scan[i].bytes > 0).collect();
    let host = with_data
        .iter()
        .copied()
        .filter(|&i| scan[i].at_lines > 0)
        .max_by_key(|&i| (scan[i].at_lines, std::cmp::Reverse(i)));
    if let Some(h) = host {
        roles[h] = Some(Dir::Host);
    }
    // The modem: the busiest other channel with data.
    let modem =
        with_data.iter().copied().filter(|&i| Some(i) != host).max_by_key(|&i| (scan[i].bytes, std::cmp::Reverse(i)));
    if let Some(m) = modem {
        roles[m] = Some(Dir::Modem);
    }
    // A two-channel capture where one side was silent during the look-ahead: keep both.
    if scan.len() == 2 && roles.iter().filter(|r| r.is_some()).count() == 1 {
        let i = roles.iter().position(|r| r.is_none()).unwrap_or(0);
        roles[i] = Some(if host.is_some() { Dir::Modem } else { Dir::Host });
    }
    roles
}

fn describe(channels: &[ChannelInfo], roles: &[Option<Dir>], how: &str) -> String {
    let side = |d: Dir| {
        roles
            .iter()
            .position(|r| *r == Some(d))
            .map(|i| format!("{:?} (channel {})", short(&channels[i].name), channels[i].index))
            .unwrap_or_else(|| "none".into())
    };
    let ignored: Vec<String> =
        channels.iter().zip(roles).filter(|(_, r)| r.is_none()).map(|(c, _)| format!("{:?}", short(&c.name))).collect();
    let mut s = format!("host = {}, modem = {} ({how})", side(Dir::Host), side(Dir::Modem));
    if !ignored.is_empty() {
        s.push_str(&format!("; ignored: {}", listed(ignored)));
    }
    s
}

/// A channel name as messages show it: at most 40 characters (a file can name a channel with a
/// megabyte).
fn short(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_string(),
    }
}

/// At most 16 items, then how many more.
fn listed(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    let mut s = items.iter().take(16).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 16 {
        s.push_str(&format!(" and {} more", items.len() - 16));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &[u8]) -> Scan {
        let mut s = Scan::default();
        s.feed(text);
        s
    }

    #[test]
    fn the_side_that_starts_lines_with_at_is_the_host() {
        let roles = by_content(&[scan(b"\r\nOK\r\n\r\n+CFUN: 1\r\n"), scan(b"AT+CFUN?\r\nat\r\n")]);
        assert_eq!(roles, vec![Some(Dir::Modem), Some(Dir::Host)]);
    }

    #[test]
    fn one_side_only_still_gets_a_role() {
        assert_eq!(by_content(&[scan(b"Ready\r\n")]), vec![Some(Dir::Modem)]);
        assert_eq!(by_content(&[scan(b"AT\r\n")]), vec![Some(Dir::Host)]);
    }

    #[test]
    fn channels_are_found_by_name_or_index() {
        let ch = vec![ChannelInfo { index: 0, name: "Async 1".into() }, ChannelInfo { index: 1, name: "TX".into() }];
        assert_eq!(find_channel(&ch, "tx"), Some(1));
        assert_eq!(find_channel(&ch, "Async 1"), Some(0));
        assert_eq!(find_channel(&ch, "1"), Some(1));
        assert_eq!(find_channel(&ch, "7"), None);
    }

    #[test]
    fn messages_show_channel_names_short_and_few() {
        let long = "x".repeat(100_000);
        assert_eq!(short(&long).chars().count(), 41);
        assert_eq!(short("TX"), "TX");
        let many = listed((0..300).map(|i| i.to_string()));
        assert!(many.ends_with(" and 284 more") && many.len() < 100, "{many}");
    }
}
