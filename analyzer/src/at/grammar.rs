//! The grammar of one framed AT line (nom, complete input).
//!
//! Host lines are commands: `AT`, then nothing, or `+`/`%`/`#` and a name, then nothing (Exec),
//! `?` (Read), `=?` (Test) or `=<params>` (Set). Anything else is kept as an invalid command
//! (the SLM answers it with `ERROR`), never dropped.
//!
//! Modem lines are final results (`OK`, `ERROR`, `+CME ERROR: <n>`, `+CMS ERROR: <n>`),
//! prefixed lines (`+CEREG: …`, `%CMNG: …`, `#XMQTTEVT: …`, also `#XHTTPCRSP:12,0` without a
//! space), or bare text. Whether a prefixed line is an information response or a URC depends on
//! the pending command and is decided by the timeline, not here.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while1};
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{all_consuming, map, map_res, opt, recognize, rest, value};
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser};
use serde::Serialize;

/// The four forms of an extended AT command, named as in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// `AT+X=?`: which values are allowed.
    Test,
    /// `AT+X?`: the current value.
    Read,
    /// `AT+X=<params>`.
    Set,
    /// `AT+X` (and bare `AT`).
    Exec,
}

impl Form {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Test => "test",
            Form::Read => "read",
            Form::Set => "set",
            Form::Exec => "exec",
        }
    }
}

/// One parameter of a command or response, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "t", content = "v", rename_all = "lowercase")]
pub enum Param {
    /// Nothing between two commas.
    Empty,
    /// A decimal integer.
    Int(i64),
    /// A double-quoted string, quotes removed.
    Str(String),
    /// Anything else, as written (hex numbers, `0.386 seconds`, …).
    Raw(String),
}

impl Param {
    /// The integer value, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Param::Int(i) => Some(*i),
            _ => None,
        }
    }
    /// The text: a string's content or the raw text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Param::Str(s) | Param::Raw(s) => Some(s),
            _ => None,
        }
    }
}

/// A parsed host command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// Upper-cased name with its prefix: `+CFUN`, `%CMNG`, `#XMQTTCON`; empty for bare `AT`.
    pub name: String,
    /// Which form.
    pub form: Form,
    /// Parameters of the Set form.
    pub params: Vec<Param>,
}

impl Command {
    /// Parameter `i` as an integer.
    pub fn int(&self, i: usize) -> Option<i64> {
        self.params.get(i).and_then(Param::as_int)
    }
    /// Parameter `i` as text.
    pub fn text(&self, i: usize) -> Option<&str> {
        self.params.get(i).and_then(Param::as_text)
    }
    /// `AT#XNAME=…` with the name as the SLM matches it.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A final result code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", content = "n", rename_all = "snake_case")]
pub enum FinalResult {
    /// `OK`.
    Ok,
    /// `ERROR`.
    Error,
    /// `+CME ERROR: <n>`.
    CmeError(i64),
    /// `+CMS ERROR: <n>`.
    CmsError(i64),
}

impl FinalResult {
    /// Whether this is a success.
    pub fn is_ok(&self) -> bool {
        matches!(self, FinalResult::Ok)
    }
}

impl std::fmt::Display for FinalResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FinalResult::Ok => f.write_str("OK"),
            FinalResult::Error => f.write_str("ERROR"),
            FinalResult::CmeError(n) => write!(f, "+CME ERROR: {n}"),
            FinalResult::CmsError(n) => write!(f, "+CMS ERROR: {n}"),
        }
    }
}

/// A classified modem line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemLine {
    /// A final result code.
    Final(FinalResult),
    /// `<prefix><NAME>: <params>`: the name upper-cased with its prefix, and the parameters.
    Prefixed {
        /// `+CEREG`, `%CMNG`, `#XMQTTEVT`.
        name: String,
        /// Everything after the colon, split on commas outside quotes.
        params: Vec<Param>,
    },
    /// Anything else (bare information text, FTP replies, `#XCLAC` list lines).
    Text,
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn prefix_char(i: &[u8]) -> IResult<&[u8], char> {
    alt((char('+'), char('%'), char('#'))).parse(i)
}

fn upper(prefix: char, name: &[u8]) -> String {
    let mut s = String::with_capacity(name.len() + 1);
    s.push(prefix);
    s.extend(name.iter().map(|c| c.to_ascii_uppercase() as char));
    s
}

fn command(i: &[u8]) -> IResult<&[u8], Command> {
    let (i, _) = tag_no_case("AT").parse(i)?;
    let (i, name) = opt(pair(prefix_char, take_while1(is_name_char))).parse(i)?;
    let name = name.map(|(p, n)| upper(p, n)).unwrap_or_default();
    let (i, suffix) = alt((
        value(Some(Form::Test), tag("=?")),
        value(Some(Form::Read), tag("?")),
        value(Some(Form::Set), tag("=")),
        value(None, nom::combinator::eof),
    ))
    .parse(i)?;
    let form = suffix.unwrap_or(Form::Exec);
    let (i, params) = match form {
        Form::Set => map(rest, parse_params).parse(i)?,
        _ => (i, Vec::new()),
    };
    let (i, _) = nom::combinator::eof(i)?;
    Ok((i, Command { name, form, params }))
}

/// Why the SLM's grammar check rejects a host line (the line is still a command the modem will
/// answer, with `ERROR`). The messages are what the timeline shows as the command's `invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Nothing between two line ends (SLM v2.5 and later ignore such a line).
    #[error("empty line")]
    EmptyLine,
    /// `AT` comes later in the line, after other bytes.
    #[error("bytes before AT")]
    BytesBeforeAt,
    /// No `AT` in the line at all.
    #[error("does not start with AT")]
    NoAt,
    /// `AT` and then something the grammar does not take.
    #[error("after AT must come +, % or # and a name, then ?, =?, = or the end")]
    AfterAt,
}

/// Parses a host command line (terminator already removed).
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    match command(line) {
        Ok((_, c)) => Ok(c),
        Err(_) => Err(if line.is_empty() {
            CommandError::EmptyLine
        } else if !line.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"AT")) {
            match line.windows(2).position(|w| w.eq_ignore_ascii_case(b"AT")) {
                Some(_) => CommandError::BytesBeforeAt,
                None => CommandError::NoAt,
            }
        } else {
            CommandError::AfterAt
        }),
    }
}

/// Splits a parameter list on commas outside double quotes (the quote state flips on every
/// `"`, as in the SLM; CR LF inside quotes stays in the string).
pub fn split_params(s: &str) -> Vec<Param> {
    parse_params(s.as_bytes())
}

/// [`split_params`] on bytes: what every line's parameters go through, once.
pub fn parse_params(b: &[u8]) -> Vec<Param> {
    fields(b).map(|(r, was_quoted)| param(&b[r], was_quoted)).collect()
}

/// Where the parameters of a list are: each field's byte range (commas outside double quotes
/// separate them; the quote state flips on every `"`, as in the SLM) and whether it holds a
/// quote. An empty list has no fields. The one quote-aware comma splitter: [`parse_params`]
/// reads the fields, and a caller that rewrites some fields in place copies the others.
pub fn param_fields(b: &[u8]) -> Vec<(std::ops::Range<usize>, bool)> {
    fields(b).collect()
}

/// [`param_fields`], one field at a time (no list built for a line parsed once).
fn fields(b: &[u8]) -> impl Iterator<Item = (std::ops::Range<usize>, bool)> + '_ {
    // `None` once the last field is out (an empty list has none).
    let mut start = (!b.is_empty()).then_some(0);
    std::iter::from_fn(move || {
        let from = start?;
        let (mut quoted, mut was_quoted) = (false, false);
        for (i, &c) in b.iter().enumerate().skip(from) {
            match c {
                b'"' => {
                    quoted = !quoted;
                    was_quoted = true;
                }
                b',' if !quoted => {
                    start = Some(i + 1);
                    return Some((from..i, was_quoted));
                }
                _ => {}
            }
        }
        start = None;
        Some((from..b.len(), was_quoted))
    })
}

fn param(s: &[u8], was_quoted: bool) -> Param {
    let t = s.trim_ascii();
    if t.is_empty() {
        return Param::Empty;
    }
    if was_quoted && t.len() >= 2 && t[0] == b'"' && t[t.len() - 1] == b'"' {
        return Param::Str(String::from_utf8_lossy(&t[1..t.len() - 1]).into_owned());
    }
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        if let Some(n) = std::str::from_utf8(t).ok().and_then(|v| v.parse::<i64>().ok()) {
            return Param::Int(n);
        }
    }
    Param::Raw(String::from_utf8_lossy(t).into_owned())
}

fn integer(i: &[u8]) -> IResult<&[u8], i64> {
    map_res(recognize(pair(opt(char('-')), digit1)), |d: &[u8]| std::str::from_utf8(d).unwrap_or("x").parse::<i64>())
        .parse(i)
}

fn final_result(i: &[u8]) -> IResult<&[u8], FinalResult> {
    all_consuming(alt((
        value(FinalResult::Ok, tag("OK")),
        value(FinalResult::Error, tag("ERROR")),
        map(preceded((tag("+CME ERROR:"), space0), integer), FinalResult::CmeError),
        map(preceded((tag("+CMS ERROR:"), space0), integer), FinalResult::CmsError),
    )))
    .parse(i)
}

fn prefixed(i: &[u8]) -> IResult<&[u8], (String, &[u8])> {
    let (i, p) = prefix_char(i)?;
    let (i, n) = take_while1(is_name_char)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, _) = space0(i)?;
    Ok((&[][..], (upper(p, n), i)))
}

/// Classifies one modem line (CRLF removed).
pub fn parse_modem_line(line: &[u8]) -> ModemLine {
    if let Ok((_, f)) = final_result(line) {
        return ModemLine::Final(f);
    }
    if let Ok((_, (name, rest))) = prefixed(line) {
        return ModemLine::Prefixed { name, params: parse_params(rest) };
    }
    ModemLine::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_forms_are_told_apart_by_their_suffix() {
        let c = parse_command(b"AT+CFUN?").unwrap();
        assert_eq!((c.name.as_str(), c.form), ("+CFUN", Form::Read));
        assert_eq!(parse_command(b"at#xmqttcon=?").unwrap().form, Form::Test);
        assert_eq!(parse_command(b"AT#XSLMVER").unwrap().form, Form::Exec);
        let c = parse_command(b"AT").unwrap();
        assert_eq!((c.name.as_str(), c.form), ("", Form::Exec));
        let c = parse_command(b"AT#XMQTTCON=1,\"cid\",\"\",\"\",\"broker, inc\",1883").unwrap();
        assert_eq!(c.name, "#XMQTTCON");
        assert_eq!(c.form, Form::Set);
        assert_eq!(
            c.params,
            vec![
                Param::Int(1),
                Param::Str("cid".into()),
                Param::Str("".into()),
                Param::Str("".into()),
                Param::Str("broker, inc".into()),
                Param::Int(1883)
            ]
        );
    }

    #[test]
    fn empty_parameters_and_raw_values_are_kept() {
        assert_eq!(split_params("1,,0x1F"), vec![Param::Int(1), Param::Empty, Param::Raw("0x1F".into())]);
        assert_eq!(split_params(""), Vec::<Param>::new());
    }

    #[test]
    fn lines_the_slm_rejects_are_explained() {
        assert_eq!(parse_command(b"").unwrap_err(), CommandError::EmptyLine);
        assert_eq!(parse_command(b"+++AT+CFUN?").unwrap_err().to_string(), "bytes before AT");
        assert_eq!(parse_command(b"hello").unwrap_err().to_string(), "does not start with AT");
        assert_eq!(parse_command(b"ATE0").unwrap_err(), CommandError::AfterAt);
        assert_eq!(parse_command(b"AT+CFUN?x").unwrap_err(), CommandError::AfterAt);
    }

    #[test]
    fn final_results_are_exact_lines_or_error_prefixes() {
        assert_eq!(parse_modem_line(b"OK"), ModemLine::Final(FinalResult::Ok));
        assert_eq!(parse_modem_line(b"ERROR"), ModemLine::Final(FinalResult::Error));
        assert_eq!(parse_modem_line(b"+CME ERROR: 518"), ModemLine::Final(FinalResult::CmeError(518)));
        assert_eq!(parse_modem_line(b"+CMS ERROR: 524"), ModemLine::Final(FinalResult::CmsError(524)));
        assert_eq!(parse_modem_line(b"OKAY"), ModemLine::Text);
        assert_eq!(parse_modem_line(b"+CME ERROR: x"), ModemLine::Text);
    }

    #[test]
    fn prefixed_lines_keep_name_and_rest() {
        assert_eq!(
            parse_modem_line(b"#XHTTPCRSP:12,0"),
            ModemLine::Prefixed { name: "#XHTTPCRSP".into(), params: vec![Param::Int(12), Param::Int(0)] }
        );
        assert_eq!(
            parse_modem_line(b"%CMNG: 3210,0,\"a,\r\nb\""),
            ModemLine::Prefixed {
                name: "%CMNG".into(),
                params: vec![Param::Int(3210), Param::Int(0), Param::Str("a,\r\nb".into())]
            }
        );
        assert_eq!(
            split_params("+1,-2,99999999999999999999"),
            vec![Param::Raw("+1".into()), Param::Int(-2), Param::Raw("99999999999999999999".into())]
        );
        assert_eq!(parse_modem_line(b"Nordic Semiconductor ASA"), ModemLine::Text);
    }
}
