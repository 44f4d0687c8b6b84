//! Data mode: which commands put the SLM into data mode when they are answered `OK`.

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
}

/// The commands that enter data mode, and when.
pub static DATA_MODE: &[(&str, DataModeWhen)] = &[
    ("#XSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XTCPSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XUDPSEND", DataModeWhen::ExecOrNoPayloadAt(0)),
    ("#XSENDTO", DataModeWhen::AtMostParams(2)),
    ("#XMQTTPUB", DataModeWhen::NoPayloadAt(1)),
    ("#XNRFCLOUD", DataModeWhen::Op(2)),
    ("#XFTP", DataModeWhen::Word(&["put", "mput"], 2)),
    ("#XFTP", DataModeWhen::Word(&["uput"], 1)),
    // lwm2m_carrier/slm_at_carrier.c: "app_data" (v2.3–v2.5), "app_data_set" (v2.6+) with no data.
    ("#XCARRIER", DataModeWhen::Word(&["app_data", "app_data_set"], 1)),
];

/// Whether `OK` to command `name` in `form` with `params` puts the SLM into data mode.
pub fn enters_data_mode(name: &str, form: crate::at::grammar::Form, params: &[crate::at::grammar::Param]) -> bool {
    use crate::at::grammar::{Form, Param};
    let absent = |i: usize| matches!(params.get(i), None | Some(Param::Empty));
    let empty = |i: usize| match params.get(i) {
        Some(Param::Str(s)) => s.is_empty(),
        _ => absent(i),
    };
    DATA_MODE.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).any(|(_, when)| match *when {
        DataModeWhen::ExecOrNoPayloadAt(i) => form == Form::Exec || (form == Form::Set && absent(i)),
        DataModeWhen::NoPayloadAt(i) => form == Form::Set && empty(i),
        DataModeWhen::AtMostParams(n) => form == Form::Set && params.len() <= n,
        DataModeWhen::Op(v) => form == Form::Set && params.first().and_then(Param::as_int) == Some(v),
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

    fn enters(line: &str) -> bool {
        let c = parse_command(line.as_bytes()).unwrap();
        enters_data_mode(&c.name, c.form, &c.params)
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
