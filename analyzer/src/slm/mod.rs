//! What atscope knows about the Serial LTE Modem: versions ([`version`]) and, as data
//! ([`table`]), commands, URCs, value meanings, promised URCs and timeouts.
//!
//! [`crate::meaning`] turns raw values into words with this knowledge.

pub mod causes;
pub mod commands;
pub mod datamode;
pub mod fields;
pub mod modem_tls;
pub mod payloads;
pub mod promises;
pub mod secrets;
pub mod table;
pub mod urcs;
pub mod version;

pub use version::SlmVersion;

use crate::at::grammar::Param;
use table::{lookup, Values};

/// Zephyr errno values the SLM reports as negative results.
const ERRNO: Values = &[
    (1, "EPERM"),
    (2, "ENOENT"),
    (5, "EIO"),
    (9, "EBADF"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (16, "EBUSY"),
    (22, "EINVAL"),
    (28, "ENOSPC"),
    (32, "EPIPE"),
    (104, "ECONNRESET"),
    (105, "ENOBUFS"),
    (106, "EAFNOSUPPORT"),
    (111, "ECONNREFUSED"),
    (112, "EADDRINUSE"),
    (114, "ENETUNREACH"),
    (115, "ENETDOWN"),
    (116, "ETIMEDOUT"),
    (118, "EHOSTUNREACH"),
    (119, "EINPROGRESS"),
    (120, "EALREADY"),
    (122, "EMSGSIZE"),
    (127, "EISCONN"),
    (128, "ENOTCONN"),
    (134, "ENOTSUP"),
];

/// `0` → `ok`, `-116` → `error -116 (ETIMEDOUT)`.
pub fn result_word(r: i64) -> String {
    match r {
        0 => "ok".into(),
        r if r < 0 => match lookup(ERRNO, -r) {
            Some(n) => format!("error {r} ({n})"),
            None => format!("error {r}"),
        },
        r => format!("result {r}"),
    }
}

/// What a `+CME ERROR: n` means after command `cmd`.
pub fn cme_meaning(cmd: Option<&str>, code: i64) -> Option<&'static str> {
    cmd.and_then(table::command).and_then(|c| lookup(c.cme, code)).or_else(|| lookup(table::CME_GENERAL, code))
}

/// Commands whose read answer and URC share a prefix, with the shape that tells them apart.
type IsReadAnswer = fn(&[Param]) -> bool;

const READ_VS_URC: &[(&str, IsReadAnswer)] = &[
    // `AT+CEREG?` → `+CEREG: <n>,<stat>[,…]`; the URC is `+CEREG: <stat>[,"<tac>",…]`.
    ("+CEREG", |p| p.get(1).and_then(Param::as_int).is_some()),
    // `AT+CSCON?` → `+CSCON: <n>,<mode>[,…]`; the URC is `+CSCON: <mode>[,<state>[,<access>]]`.
    ("+CSCON", |p| p.len() >= 2),
    // `AT%XMODEMSLEEP?` → `%XMODEMSLEEP: <n>,<warn>,<threshold>`; the URC `<type>[,<time>]`.
    ("%XMODEMSLEEP", |p| p.len() >= 3),
];

/// Whether a line named like a pending read command is a URC of the same name that came in
/// between: it has the URC's shape, or the read already got its one answer.
pub fn urc_during_read(name: &str, params: &[Param], answered: bool) -> bool {
    match READ_VS_URC.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        Some((_, is_read_answer)) => answered || !is_read_answer(params),
        None => false,
    }
}
