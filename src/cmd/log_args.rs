//! `--log FILE [--log-offset SECONDS]`: the SLM's own log beside the UART capture (issue 17).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use atscope_analyzer::analysis::Analysis;
use atscope_analyzer::symbols::locate::open_for;
use atscope_analyzer::trace::Meta;
use clap::Args;

/// The SLM's log, shared by the commands that decode.
#[derive(Args, Debug, Clone, Default)]
pub struct LogArgs {
    /// The SLM's own log (Zephyr logging saved from RTT or a second UART), shown among the UART's events and used by the findings.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Place the log yourself: its uptime 0 is at SECONDS of the capture (default: each boot by the Ready it printed).
    #[arg(long, value_name = "SECONDS", requires = "log", allow_hyphen_values = true)]
    pub log_offset: Option<f64>,
    /// The firmware's ELF (build/zephyr/zephyr.elf): a crash in the log is named by function, file and line.
    #[arg(long, value_name = "ELF", requires = "log")]
    pub elf: Option<PathBuf>,
}

/// Where a command that writes trace `output` puts the SLM's log (`OUT.log`, [`log::path_beside`])
/// and the file name its header records.
///
/// [`log::path_beside`]: atscope_analyzer::log::path_beside
pub fn log_beside_output(output: &std::path::Path) -> Result<(PathBuf, String)> {
    let Some(path) = atscope_analyzer::log::path_beside(output) else {
        bail!("the trace must not be named .log: its log goes beside it as OUT.log");
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((path, name))
}

impl LogArgs {
    /// `--log-offset` in ns, refusing what is not a finite number of seconds.
    pub fn offset_ns(&self) -> Result<Option<i64>> {
        match self.log_offset {
            None => Ok(None),
            Some(s) if s.is_finite() && s.abs() < 9.0e9 => Ok(Some((s * 1e9).round() as i64)),
            Some(s) => bail!("--log-offset {s} is not a number of seconds"),
        }
    }

    /// Attaches the log to a session, if one was given, with the firmware's ELF: `--elf`, else
    /// the build an `atscope firmware build/flash` recorded in the trace's header (`meta`), looked
    /// for below the current folder and the trace's (`trace`), used only if it is that build.
    pub fn attach(&self, analysis: &mut Analysis, trace: &std::path::Path, meta: Option<&Meta>) -> Result<()> {
        let Some(path) = &self.log else { return Ok(()) };
        let offset = self.offset_ns()?;
        let reader =
            atscope_analyzer::log::open(path).with_context(|| format!("reading the log {}", path.display()))?;
        analysis.attach_log(Box::new(reader), offset);
        if let Some(elf) = &self.elf {
            let symbols = atscope_analyzer::symbols::Symbols::open(elf).context("--elf")?;
            analysis.use_symbols(symbols);
        } else if let Some(meta) = meta {
            let bases: Vec<PathBuf> = [Some(PathBuf::from(".")), trace.parent().map(std::path::Path::to_path_buf)]
                .into_iter()
                .flatten()
                .collect();
            let (symbols, note) = open_for(meta, &bases);
            if let Some(n) = note {
                eprintln!("note: {n}");
            }
            if let Some(s) = symbols {
                analysis.use_symbols(s);
            }
        }
        Ok(())
    }
}
