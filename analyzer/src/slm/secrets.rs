//! Parameters that carry secrets (credential content, passwords, PINs), per command and
//! release. [`crate::redact`] replaces them in every export and snapshot; teaching atscope a
//! new secret is adding a row to [`SECRETS`].

use super::version::{in_releases, Release};
use super::SlmVersion;
use crate::at::grammar::Param;

/// Which uses of a command carry the secret.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// Every Set form.
    Always,
    /// The first parameter is this operation number.
    Op(i64),
    /// The first parameter is this word (case-insensitive).
    Word(&'static str),
}

/// Secret parameters of a command.
#[derive(Debug, Clone, Copy)]
pub struct Secret {
    /// The command's name.
    pub command: &'static str,
    /// Which of its uses.
    pub when: When,
    /// The secret parameters (0-based, after the `=`).
    pub params: &'static [usize],
    /// First release with this layout (`None`: v2.1.x or the modem).
    pub since: Option<Release>,
    /// First release without it.
    pub removed: Option<Release>,
    /// What the parameters are, and where.
    pub source: &'static str,
}

/// Every command parameter that carries a secret.
pub static SECRETS: &[Secret] = &[
    Secret {
        command: "%CMNG",
        when: When::Op(0),
        params: &[3, 4],
        since: None,
        removed: None,
        source: "nRF91 AT reference %CMNG write: <content>, <passphrase>",
    },
    Secret {
        command: "#XCMNG",
        when: When::Op(0),
        params: &[3],
        since: None,
        removed: None,
        source: "slm_at_cmng.c handle_at_xcmng() write: <content>",
    },
    Secret {
        command: "#XMQTTCON",
        when: When::Always,
        params: &[2, 3],
        since: None,
        removed: Some((2, 6)),
        source: "slm_at_mqtt.c handle_at_mqtt_connect(): <op>,<cid>,<username>,<password>,…",
    },
    Secret {
        command: "#XMQTTCON",
        when: When::Always,
        params: &[1, 2],
        since: Some((2, 6)),
        removed: None,
        source: "v2.6 moved the client id to #XMQTTCFG: <op>,<username>,<password>,…",
    },
    Secret {
        command: "#XFTP",
        when: When::Word("open"),
        params: &[2],
        since: None,
        removed: None,
        source: "slm_at_ftp.c do_ftp_open(): \"open\",<username>,<password>,…",
    },
    Secret {
        command: "+CGAUTH",
        when: When::Always,
        params: &[2, 3],
        since: None,
        removed: None,
        source: "nRF91 AT reference +CGAUTH: <cid>,<auth_prot>,<userid>,<password>",
    },
    Secret {
        command: "+CPIN",
        when: When::Always,
        params: &[0, 1],
        since: None,
        removed: None,
        source: "3GPP TS 27.007 +CPIN: <pin>[,<newpin>]",
    },
];

/// Information lines whose fields carry secrets: (name, fields). A `%CMNG` read answer (also
/// the answer of a v2.1 `#XCMNG` read) has the content in its fourth field.
pub static SECRET_ANSWERS: &[(&str, &[usize])] = &[("%CMNG", &[3])];

/// The secret parameters of a Set command in SLM `v`.
pub fn secret_params(name: &str, params: &[Param], v: SlmVersion) -> &'static [usize] {
    let first_is = |when: When| match when {
        When::Always => true,
        When::Op(op) => params.first().and_then(Param::as_int) == Some(op),
        When::Word(w) => params.first().and_then(Param::as_text).is_some_and(|t| t.eq_ignore_ascii_case(w)),
    };
    SECRETS
        .iter()
        .find(|s| s.command.eq_ignore_ascii_case(name) && in_releases(v, s.since, s.removed) && first_is(s.when))
        .map_or(&[], |s| s.params)
}

/// Whether some use of command `name` carries a secret.
pub fn has_secrets(name: &str) -> bool {
    SECRETS.iter().any(|s| s.command.eq_ignore_ascii_case(name))
}

/// The secret fields of information line `name`.
pub fn secret_fields(name: &str) -> &'static [usize] {
    SECRET_ANSWERS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(&[], |(_, f)| f)
}
