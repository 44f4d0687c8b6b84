//! The UART options shared by every command that reads waveform captures (`import`, `decode`).

use atscope_analyzer::capture::{ImportOptions, UartOverrides};
use clap::{Args, ValueEnum};

/// `--parity` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParityArg {
    /// No parity bit.
    None,
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
}

/// `--baud` values: a rate, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaudArg {
    /// Measure it from the shortest pulses, even if the file names a rate.
    Auto,
    /// This many bits per second.
    Rate(u32),
}

fn parse_baud(s: &str) -> Result<BaudArg, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(BaudArg::Auto);
    }
    match s.parse::<u32>() {
        Ok(n) if n > 0 => Ok(BaudArg::Rate(n)),
        _ => Err(format!("{s:?} is not a baud rate: give a positive number or `auto`")),
    }
}

fn parse_stop(s: &str) -> Result<u8, String> {
    match s {
        "1" => Ok(2),
        "1.5" => Ok(3),
        "2" => Ok(4),
        _ => Err(format!("{s:?}: stop bits are 1, 1.5 or 2")),
    }
}

/// UART settings for waveform captures (logic analyzers). Each overrides what the capture file
/// says; without them the file's settings are used, else the baud rate and idle level are
/// auto-detected (and the choice is reported).
#[derive(Args, Debug, Clone, Default)]
pub struct UartArgs {
    /// Baud rate, or `auto` to measure it from the shortest pulses.
    #[arg(long, value_name = "N|auto", value_parser = parse_baud)]
    pub baud: Option<BaudArg>,
    /// Data bits per frame.
    #[arg(long, value_name = "5..9", value_parser = clap::value_parser!(u8).range(5..=9))]
    pub data_bits: Option<u8>,
    /// Parity bit.
    #[arg(long, value_enum)]
    pub parity: Option<ParityArg>,
    /// Stop bits.
    #[arg(long, value_name = "1|1.5|2", value_parser = parse_stop)]
    pub stop_bits: Option<u8>,
    /// Both lines idle low (inverted levels).
    #[arg(long)]
    pub invert: bool,
    /// The host's line idles low.
    #[arg(long)]
    pub invert_host: bool,
    /// The modem's line idles low.
    #[arg(long)]
    pub invert_modem: bool,
    /// Data bits are sent most significant first.
    #[arg(long)]
    pub msb_first: bool,
    /// Ignore pulses shorter than this many nanoseconds (glitch filter).
    #[arg(long, value_name = "NS")]
    pub glitch_ns: Option<u64>,
}

impl UartArgs {
    /// The overrides these flags make.
    pub fn overrides(&self) -> UartOverrides {
        UartOverrides {
            baud: match self.baud {
                Some(BaudArg::Rate(n)) => Some(n),
                _ => None,
            },
            auto_baud: self.baud == Some(BaudArg::Auto),
            data_bits: self.data_bits,
            parity: self.parity.map(|p| {
                match p {
                    ParityArg::None => "none",
                    ParityArg::Even => "even",
                    ParityArg::Odd => "odd",
                }
                .to_string()
            }),
            stop_half_bits: self.stop_bits,
            invert_host: self.invert || self.invert_host,
            invert_modem: self.invert || self.invert_modem,
            msb_first: self.msb_first,
            glitch_ns: self.glitch_ns,
        }
    }

    /// Import options with these UART settings and the given channel choices.
    pub fn import_options(&self, host: Option<String>, modem: Option<String>) -> ImportOptions {
        ImportOptions { host, modem, uart: self.overrides() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        uart: UartArgs,
    }

    #[test]
    fn flags_become_overrides() {
        let t = T::parse_from([
            "t",
            "--baud",
            "auto",
            "--parity",
            "even",
            "--stop-bits",
            "1.5",
            "--invert",
            "--data-bits",
            "7",
        ]);
        let o = t.uart.overrides();
        assert!(o.auto_baud && o.baud.is_none());
        assert_eq!(o.parity.as_deref(), Some("even"));
        assert_eq!(o.stop_half_bits, Some(3));
        assert_eq!(o.data_bits, Some(7));
        assert!(o.invert_host && o.invert_modem);
        let t = T::parse_from(["t", "--baud", "921600", "--invert-modem"]);
        let o = t.uart.overrides();
        assert_eq!(o.baud, Some(921_600));
        assert!(!o.invert_host && o.invert_modem);
        assert!(T::try_parse_from(["t", "--data-bits", "10"]).is_err());
        assert!(T::try_parse_from(["t", "--baud", "fast"]).is_err());
    }
}
