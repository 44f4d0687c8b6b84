//! Why a command was answered with a plain `ERROR`: the causes the SLM source gives, per
//! release, as rows. An SLM `#X` command never says why (the errno goes to the SLM's log), so
//! the cause is inferred from the command's parameters, the release and the modem's state.
//! `at.error` quotes every cause that fits.

use super::version::{in_releases, Release};
use super::SlmVersion;
use crate::at::grammar::Param;

/// What a cause can look at.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The command's parameters.
    pub params: &'a [Param],
    /// The SLM release in force.
    pub version: SlmVersion,
    /// The modem was last set to an active functional mode (`AT+CFUN=1`, 2 or 21).
    pub modem_active: bool,
}

impl Context<'_> {
    fn int(&self, i: usize) -> Option<i64> {
        self.params.get(i).and_then(Param::as_int)
    }
}

/// One known cause of a plain `ERROR`.
#[derive(Debug, Clone, Copy)]
pub struct Cause {
    /// The command.
    pub command: &'static str,
    /// First release where it holds (`None`: v2.1.x or the modem).
    pub since: Option<Release>,
    /// First release where it no longer holds.
    pub removed: Option<Release>,
    /// Whether it fits this use of the command.
    pub fits: fn(&Context) -> bool,
    /// The cause, as the help sentence quotes it.
    pub text: &'static str,
    /// Where the SLM source says so.
    pub source: &'static str,
}

/// Every known cause.
pub static CAUSES: &[Cause] = &[
    Cause {
        command: "#XCMNG",
        since: None,
        removed: Some((2, 6)),
        fits: |c| c.int(0) == Some(1),
        text: "#XCMNG list (op 1) is refused before v2.6: list the modem's entries with AT%CMNG=1",
        source: "slm_at_cmng.c handle_at_xcmng() v2.1–v2.5: \"Currently not support list command\", -EPERM",
    },
    Cause {
        command: "#XCMNG",
        since: Some((2, 6)),
        removed: None,
        fits: |c| c.int(0) == Some(2),
        text: "#XCMNG has no read (op 2) from v2.6: only write, list and delete",
        source: "nativetls/slm_at_cmng.c v2.6: enum slm_cmng_opcode has WRITE, LIST, DELETE; other ops -EINVAL",
    },
    Cause {
        command: "#XCMNG",
        since: None,
        removed: Some((2, 6)),
        fits: |c| c.int(0) == Some(2) && c.int(2).is_some_and(|t| matches!(t, 1..=3)),
        text: "#XCMNG read supports only types 0 and 4: certificates, keys and PSKs are never read back",
        source: "slm_at_cmng.c handle_at_xcmng() v2.1–v2.5: read of CERT, PRIV or PSK is -EPERM",
    },
    Cause {
        command: "#XCMNG",
        since: None,
        removed: Some((2, 6)),
        fits: |c| c.int(1).is_some_and(|t| t > 214_748_364),
        text: "native-TLS sec_tags above 214748364 are refused (the tag is stored as tag*10+type)",
        source: "slm_at_cmng.c v2.1–v2.5: sec_tag > MAX_SLM_SEC_TAG (INT_MAX/10), -EINVAL",
    },
    Cause {
        command: "#XCMNG",
        since: None,
        removed: Some((2, 6)),
        fits: |c| matches!(c.int(0), Some(0 | 3)) && c.modem_active,
        text: "writing or deleting credentials needs the modem offline (not in AT+CFUN=1, 2 or 21; AT+CFUN=4 is the usual choice): the modem's CME 518 shows as a plain ERROR",
        source: "v2.1–v2.5 store #XCMNG credentials with modem_key_mgmt (AT%CMNG), which the modem refuses while active",
    },
    Cause {
        command: "#XCMNG",
        since: Some((2, 6)),
        removed: None,
        fits: |c| c.int(2).is_some_and(|t| !(0..=4).contains(&t)),
        text: "#XCMNG types are 0–4 (CA, certificate, private key, PSK, PSK identity) from v2.6",
        source: "nativetls/slm_at_cmng.c v2.6: type > SLM_AT_CMNG_TYPE_PSK_ID, -EINVAL",
    },
    Cause {
        command: "#XCMNG",
        since: None,
        removed: None,
        fits: |c| c.int(0) == Some(0) && c.params.len() < 4,
        text: "a write needs the content: AT#XCMNG=0,<sec_tag>,<type>,\"<content>\"",
        source: "slm_at_cmng.c (v2.1–v2.5) and nativetls/slm_at_cmng.c (v2.6+): write without content, -EINVAL",
    },
    Cause {
        command: "%CMNG",
        since: None,
        removed: None,
        fits: |_| true,
        text: "with AT+CMEE=0 the modem hides the reason; AT+CMEE=1 shows the +CME ERROR code",
        source: "3GPP TS 27.007 +CMEE",
    },
    Cause {
        command: "%KEYGEN",
        since: None,
        removed: None,
        fits: |_| true,
        text: "with AT+CMEE=0 the modem hides the reason; AT+CMEE=1 shows the +CME ERROR code",
        source: "3GPP TS 27.007 +CMEE",
    },
];

/// The causes that fit a plain `ERROR` to `command` in `ctx`.
pub fn of_error<'a>(command: &'a str, ctx: &'a Context<'a>) -> impl Iterator<Item = &'static Cause> + 'a {
    CAUSES.iter().filter(move |c| {
        c.command.eq_ignore_ascii_case(command) && in_releases(ctx.version, c.since, c.removed) && (c.fits)(ctx)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::grammar::split_params;

    fn texts(cmd: &str, params: &str, version: SlmVersion, modem_active: bool) -> Vec<&'static str> {
        let params = split_params(params);
        let ctx = Context { params: &params, version, modem_active };
        of_error(cmd, &ctx).map(|c| c.text).collect()
    }

    #[test]
    fn xcmng_causes_follow_the_release() {
        let (v21, v26) = (SlmVersion::DEFAULT, SlmVersion::new(2, 6, 0));
        assert!(texts("#XCMNG", "1", v21, false)[0].contains("list (op 1) is refused"));
        assert!(texts("#XCMNG", "1", v26, false).is_empty(), "v2.6 lists");
        assert!(texts("#XCMNG", "2,42,0", v26, false)[0].contains("no read"));
        assert!(texts("#XCMNG", "2,42,2", v21, false)[0].contains("only types 0 and 4"));
        assert!(texts("#XCMNG", "0,16842753,0,\"x\"", v21, true)[0].contains("offline"));
        assert!(texts("#XCMNG", "0,16842753,0,\"x\"", v26, true).is_empty(), "v2.6 stores in settings");
        assert!(texts("#XCMNG", "0,300000000,0,\"x\"", v21, false)[0].contains("214748364"));
        assert!(texts("#XCMNG", "0,42,5,\"x\"", v26, false)[0].contains("0–4"));
        assert!(texts("#XCMNG", "0,42,0", v26, false)[0].contains("needs the content"));
    }
}
