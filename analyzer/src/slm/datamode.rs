//! Data mode: which commands put the SLM into data mode when they are answered `OK`.

use super::version::{in_releases, Release, SERIAL_MODEM};
use super::SlmVersion;

/// When a command's `OK` puts the SLM into data mode: the send-type commands issued without
/// their payload (§4.4).
#[derive(Debug, Clone, Copy)]
pub enum DataModeWhen {
    /// Exec form, or Set with no parameter `i` (`AT#XSEND`, `AT#XSEND=`). `AT#XSEND=""` has
    /// one parameter and sends zero bytes instead (slm_at_socket.c: data mode only when the
    /// parameter count is 0).
    ExecOrNoPayloadAt(usize),
    /// Set form with parameter `i` absent or empty (`AT#XMQTTPUB="topic"`).
    NoPayloadAt(usize),
    /// Set form with at most `n` parameters (the payload would be the next one).
    AtMostParams(usize),
    /// Set form with parameter 0 equal to this value (`AT#XNRFCLOUD=2`).
    Op(i64),
    /// Set form whose first parameter is one of these words (FTP commands, carrier
    /// operations), with at most `n` parameters.
    Word(&'static [&'static str], usize),
    /// Set form with parameter `i` equal to `v` (the Serial Modem's `AT#XSEND=<handle>,2,…`:
    /// mode 2 is data mode).
    ParamIs(usize, i64),
}

/// The commands that enter data mode, and when.
pub static DATA_MODE: &[(&str, DataModeWhen, Option<Release>, Option<Release>)] = &[
    ("#XSEND", DataModeWhen::ExecOrNoPayloadAt(0), None, Some(SERIAL_MODEM)),
    ("#XTCPSEND", DataModeWhen::ExecOrNoPayloadAt(0), None, None),
    ("#XUDPSEND", DataModeWhen::ExecOrNoPayloadAt(0), None, None),
    ("#XSENDTO", DataModeWhen::AtMostParams(2), None, Some(SERIAL_MODEM)),
    // ncs-serial-modem v1.0.1 sm_at_socket.c handle_at_send()/handle_at_sendto(): mode 2 calls
    // enter_datamode(…, data_len); with <data_len> it leaves by itself after that many bytes.
    ("#XSEND", DataModeWhen::ParamIs(1, 2), Some(SERIAL_MODEM), None),
    ("#XSENDTO", DataModeWhen::ParamIs(1, 2), Some(SERIAL_MODEM), None),
    ("#XMQTTPUB", DataModeWhen::NoPayloadAt(1), None, None),
    ("#XNRFCLOUD", DataModeWhen::Op(2), None, None),
    ("#XFTP", DataModeWhen::Word(&["put", "mput"], 2), None, None),
    ("#XFTP", DataModeWhen::Word(&["uput"], 1), None, None),
    ("#XCARRIER", DataModeWhen::Word(&["app_data", "app_data_set"], 1), None, None),
];

/// Whether `OK` to command `name` in `form` with `params` puts the SLM into data mode.
pub fn enters_data_mode(
    name: &str,
    form: crate::at::grammar::Form,
    params: &[crate::at::grammar::Param],
    v: SlmVersion,
) -> bool {
    use crate::at::grammar::{Form, Param};
    let absent = |i: usize| matches!(params.get(i), None | Some(Param::Empty));
    let empty = |i: usize| match params.get(i) {
        Some(Param::Str(s)) => s.is_empty(),
        _ => absent(i),
    };
    let rows = DATA_MODE
        .iter()
        .filter(|(n, _, since, removed)| n.eq_ignore_ascii_case(name) && in_releases(v, *since, *removed));
    rows.map(|(_, when, ..)| when).any(|when| match *when {
        DataModeWhen::ExecOrNoPayloadAt(i) => form == Form::Exec || (form == Form::Set && absent(i)),
        DataModeWhen::NoPayloadAt(i) => form == Form::Set && empty(i),
        DataModeWhen::AtMostParams(n) => form == Form::Set && params.len() <= n,
        DataModeWhen::Op(v) => form == Form::Set && params.first().and_then(Param::as_int) == Some(v),
        DataModeWhen::ParamIs(i, v) => form == Form::Set && params.get(i).and_then(Param::as_int) == Some(v),
        DataModeWhen::Word(ops, n) => {
            let op = params.first().and_then(Param::as_text).unwrap_or("");
            form == Form::Set && params.len() <= n && ops.iter().any(|o| o.eq_ignore_ascii_case(op))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::grammar::parse_command;

    fn enters_in(line: &str, v: SlmVersion) -> bool {
        let c = parse_command(line.as_bytes()).unwrap();
        enters_data_mode(&c.name, c.form, &c.params, v)
    }

    fn enters(line: &str) -> bool {
        enters_in(line, SlmVersion::DEFAULT)
    }

    #[test]
    fn the_serial_modem_enters_data_mode_on_send_mode_2() {
        let sm = SlmVersion { sm: true, ..SlmVersion::new(1, 0, 1) };
        assert!(enters_in("AT#XSEND=0,2,0", sm));
        assert!(enters_in("AT#XSEND=0,2,0,12", sm));
        assert!(!enters_in("AT#XSEND=0,0,0,\"hello\"", sm));
        assert!(!enters_in("AT#XSEND", sm), "the SLM's form is no Serial Modem command");
        assert!(enters_in("AT#XNRFCLOUD=2", sm));
    }

    #[test]
    fn send_commands_enter_data_mode_only_without_a_parameter() {
        assert!(enters("AT#XSEND"));
        assert!(enters("AT#XSEND="));
        assert!(!enters("AT#XSEND=\"\""), "one (empty) parameter: zero bytes sent, no data mode");
        assert!(!enters("AT#XSEND=\"hello\""));
        assert!(enters("AT#XMQTTPUB=\"topic\",\"\""), "an empty MQTT message is published in data mode");
        assert!(enters("AT#XCARRIER=\"app_data_set\""));
        assert!(!enters("AT#XCARRIER=\"app_data_set\",\"abc\""));
    }
}
