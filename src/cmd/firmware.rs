//! `atscope firmware doctor|build|flash|identify|profiles`: build the SLM from a profile, flash
//! it, and check what the board says it runs. Glue over `atscope-firmware`; see
//! `firmware/README.md`.
//!
//! Exit status: 0 done; 1 `doctor` found something missing; 2 error (the message says what to do).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use atscope_firmware::doctor::{self, Need, Status};
use atscope_firmware::flash::{self, FlashOptions, Tool};
use atscope_firmware::identify::{self, Identity, Timeouts};
use atscope_firmware::profile::{Profile, Profiles};
use atscope_firmware::tools::{display_command, OutputLine, Stream, ToolEnv};
use atscope_firmware::west::{self, BuildOptions};
use clap::{Args, Subcommand, ValueEnum};

/// The `firmware` subcommands.
#[derive(Subcommand)]
pub enum FirmwareCmd {
    /// Check for west, the NCS checkout, CMake/Ninja and nrfutil/nrfjprog; say how to get what
    /// is missing (exit status 1 if anything is).
    Doctor(ProfileArgs),
    /// Build the SLM for a profile with `west build` and report the merged hex.
    Build(BuildArgs),
    /// Program the built image with nrfutil or nrfjprog, then wait for `Ready` and identify.
    Flash(FlashArgs),
    /// Wait for `Ready` on a serial port, then ask AT#XSLMVER and AT+CGMR.
    Identify(IdentifyArgs),
    /// List the build profiles.
    Profiles(ProfileArgs),
}

/// Which profile, from which files, against which NCS checkout.
#[derive(Args)]
pub struct ProfileArgs {
    /// The build profile (see `atscope firmware profiles`).
    #[arg(long, short = 'p', default_value = "default")]
    pub profile: String,
    /// A profile file to add to the built-in ones [default: $XDG_CONFIG_HOME/atscope/profiles.toml
    /// when it exists].
    #[arg(long, value_name = "FILE")]
    pub profiles: Option<PathBuf>,
    /// The NCS west workspace [default: from ZEPHYR_BASE, or the current directory's].
    #[arg(long, value_name = "DIR")]
    pub ncs: Option<PathBuf>,
}

/// Arguments of `firmware build`.
#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: ProfileArgs,
    /// The build directory [default: build/<profile>].
    #[arg(long, value_name = "DIR")]
    pub build_dir: Option<PathBuf>,
    /// Build even if the NCS checkout is another release than the profile's.
    #[arg(long)]
    pub any_ncs: bool,
    /// Start from an empty build directory (`west build --pristine always`).
    #[arg(long)]
    pub pristine: bool,
    /// Print the west command and stop.
    #[arg(long)]
    pub dry_run: bool,
}

/// Which programmer to use.
#[derive(Clone, Copy, ValueEnum)]
pub enum ToolArg {
    /// nrfutil when its `device` command is installed, else nrfjprog.
    Auto,
    /// `nrfutil device program`.
    Nrfutil,
    /// `nrfjprog --program`.
    Nrfjprog,
}

/// Serial port and waiting options shared by `flash` and `identify`.
#[derive(Args)]
pub struct PortArgs {
    /// Baud rate of the SLM UART.
    #[arg(long, default_value_t = identify::DEFAULT_BAUD)]
    pub baud: u32,
    /// Seconds to wait for `Ready` after a reset.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub ready_timeout: f64,
    /// Where to save the identity for later recordings [default:
    /// $XDG_STATE_HOME/atscope/identity.json].
    #[arg(long, value_name = "FILE")]
    pub identity_file: Option<PathBuf>,
}

/// Arguments of `firmware flash`.
#[derive(Args)]
pub struct FlashArgs {
    #[command(flatten)]
    pub common: ProfileArgs,
    /// The build directory holding the image [default: build/<profile>].
    #[arg(long, value_name = "DIR", conflicts_with = "hex")]
    pub build_dir: Option<PathBuf>,
    /// Flash this hex file instead of the profile's build.
    #[arg(long, value_name = "FILE")]
    pub hex: Option<PathBuf>,
    /// The J-Link serial number of the board, when several are connected.
    #[arg(long, value_name = "N")]
    pub snr: Option<String>,
    /// The programmer.
    #[arg(long, value_enum, default_value = "auto")]
    pub tool: ToolArg,
    /// Erase only what the image covers, keeping the SLM's saved settings.
    #[arg(long)]
    pub keep_settings: bool,
    /// The SLM's serial port, to wait for `Ready` and identify it after the reset.
    #[arg(long, value_name = "PORT", required_unless_present = "no_identify")]
    pub port: Option<String>,
    /// Do not wait for `Ready` or identify (no serial port needed).
    #[arg(long)]
    pub no_identify: bool,
    #[command(flatten)]
    pub serial: PortArgs,
}

/// Arguments of `firmware identify`.
#[derive(Args)]
pub struct IdentifyArgs {
    /// The SLM's serial port.
    #[arg(long, value_name = "PORT")]
    pub port: String,
    /// Do not wait for `Ready`: ask an SLM that is already running.
    #[arg(long)]
    pub no_wait: bool,
    /// Record this profile name in the identity.
    #[arg(long)]
    pub profile: Option<String>,
    /// Record this build hash in the identity.
    #[arg(long, value_name = "HASH")]
    pub build_hash: Option<String>,
    /// Print the identity as the JSON that trace headers record.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub serial: PortArgs,
}

/// Runs `atscope firmware …`.
pub fn run(cmd: FirmwareCmd) -> Result<ExitCode> {
    let env = ToolEnv::from_process();
    match cmd {
        FirmwareCmd::Doctor(a) => doctor(&env, &a),
        FirmwareCmd::Build(a) => build(&env, &a),
        FirmwareCmd::Flash(a) => flash(&env, &a),
        FirmwareCmd::Identify(a) => identify(&env, &a),
        FirmwareCmd::Profiles(a) => profiles(&env, &a),
    }
}

fn load_profiles(env: &ToolEnv, a: &ProfileArgs) -> Result<Profiles> {
    let mut p = Profiles::builtin();
    let user = a.profiles.clone().or_else(|| {
        let base = env.xdg_config_home.clone().or_else(|| env.home.as_ref().map(|h| h.join(".config")))?;
        Some(base.join("atscope/profiles.toml")).filter(|f| f.is_file())
    });
    if let Some(file) = user {
        p.merge_file(&file)?;
    }
    Ok(p)
}

fn profile(env: &ToolEnv, a: &ProfileArgs) -> Result<Profile> {
    Ok(load_profiles(env, a)?.resolve(&a.profile)?)
}

fn print_line(l: OutputLine) {
    match l.stream {
        Stream::Stdout => println!("{}", l.text),
        Stream::Stderr => eprintln!("{}", l.text),
    }
}

fn profiles(env: &ToolEnv, a: &ProfileArgs) -> Result<ExitCode> {
    let all = load_profiles(env, a)?;
    for name in all.names() {
        let p = all.resolve(&name)?;
        println!("{name}: {}", p.description);
        println!("    NCS {}, board {}, app {}", p.ncs, p.board, p.app.display());
        for o in &p.overlays {
            println!("    overlay {o}");
        }
        for f in &p.fragments {
            println!("    fragment {}", f.name);
        }
        for (k, v) in &p.kconfig {
            println!("    {k}={v}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn doctor(env: &ToolEnv, a: &ProfileArgs) -> Result<ExitCode> {
    let p = profile(env, a)?;
    let report = doctor::diagnose(env, &p, a.ncs.as_deref());
    println!("profile {} (NCS {}, board {})", p.name, p.ncs, p.board);
    for c in &report.checks {
        let need = match c.need {
            Need::Build => "build",
            Need::Flash => "flash",
        };
        let (tag, detail) = match &c.status {
            Status::Ok(d) => ("ok", d),
            Status::Warn(d) => ("warning", d),
            Status::Missing(d) => ("MISSING", d),
        };
        println!("{tag:>8}  {:<15} [{need}] {detail}", c.what);
    }
    let yes = |b| if b { "yes" } else { "no" };
    println!("can build: {}; can flash: {}", yes(report.can_build()), yes(report.can_flash()));
    // One programmer is enough: the other one being absent is not a problem.
    let problems = !report.can_build() || !report.can_flash();
    Ok(if problems { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn build_dir(arg: &Option<PathBuf>, p: &Profile) -> PathBuf {
    arg.clone().unwrap_or_else(|| Path::new("build").join(&p.name))
}

fn build(env: &ToolEnv, a: &BuildArgs) -> Result<ExitCode> {
    let p = profile(env, &a.common)?;
    let opts = BuildOptions {
        build_dir: build_dir(&a.build_dir, &p),
        ncs: a.common.ncs.clone(),
        any_ncs: a.any_ncs,
        pristine: a.pristine,
    };
    let plan = west::plan(env, &p, &opts)?;
    eprintln!("atscope: building profile {} (NCS {}, board {})", p.name, p.ncs, p.board);
    eprintln!("atscope: in {}: {}", plan.cwd.display(), display_command(&plan.west, &plan.args));
    if a.dry_run {
        for (path, text) in &plan.files {
            eprintln!("atscope: would write {}:\n{text}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let art = west::run(env, &plan, &mut print_line)?;
    println!(
        "built {}: {} bytes on disk, {} bytes of image at {:#010x}..{:#010x}, {}",
        art.path.display(),
        art.file_bytes,
        art.image.data_bytes,
        art.image.start,
        art.image.end,
        art.sha256
    );
    Ok(ExitCode::SUCCESS)
}

fn timeouts(s: &PortArgs, wait: bool) -> Result<Timeouts> {
    let ready = Duration::try_from_secs_f64(s.ready_timeout).context("--ready-timeout must be a number of seconds")?;
    Ok(Timeouts { ready: wait.then_some(ready), ..Timeouts::default() })
}

fn save_identity(env: &ToolEnv, s: &PortArgs, id: &Identity) -> Result<()> {
    match s.identity_file.clone().or_else(|| identify::default_state_file(env)) {
        Some(path) => {
            identify::save_last(&path, id)?;
            eprintln!("atscope: identity saved to {} (recordings made now will carry it)", path.display());
        }
        None => {
            eprintln!("atscope: identity not saved: no HOME or XDG_STATE_HOME; use --identity-file")
        }
    }
    Ok(())
}

fn describe(id: &Identity) -> String {
    let mut s = format!("SLM {}", id.slm_version);
    if let Some(l) = &id.libmodem {
        s.push_str(&format!(" (libmodem {l})"));
    }
    if let Some(c) = &id.customer {
        s.push_str(&format!(" [{c}]"));
    }
    s.push_str(&format!(", modem firmware {}", id.modem_firmware));
    if let Some(p) = &id.profile {
        s.push_str(&format!(", profile {p}"));
    }
    if let Some(b) = &id.build_hash {
        s.push_str(&format!(", build {b}"));
    }
    s
}

fn flash(env: &ToolEnv, a: &FlashArgs) -> Result<ExitCode> {
    let (hex, profile, hash) = match &a.hex {
        Some(hex) => {
            let art = west::artifact_file(hex)?;
            (art.path, None, art.sha256)
        }
        None => {
            let p = profile(env, &a.common)?;
            let dir = build_dir(&a.build_dir, &p);
            let art = west::artifact(&dir).with_context(|| {
                format!("no image for profile {}: run `atscope firmware build --profile {}`", p.name, p.name)
            })?;
            (art.path, Some(p.name), art.sha256)
        }
    };
    let want = match a.tool {
        ToolArg::Auto => None,
        ToolArg::Nrfutil => Some(Tool::Nrfutil),
        ToolArg::Nrfjprog => Some(Tool::Nrfjprog),
    };
    let (tool, program) = flash::choose(env, want)?;
    let plan = flash::plan(tool, program, &FlashOptions { hex, snr: a.snr.clone(), keep_settings: a.keep_settings });
    // Open the port before programming, so the Ready printed right after the reset is not lost.
    let port = match (&a.port, a.no_identify) {
        (Some(name), false) => Some((identify::open_port(name, a.serial.baud)?, name.as_str())),
        _ => None,
    };
    eprintln!("atscope: {}", display_command(&plan.program, &plan.args));
    let id = flash::flash_and_identify(env, &plan, port, timeouts(&a.serial, true)?, &mut print_line)?;
    println!("flashed with {}", tool.exe());
    if let Some(mut id) = id {
        id.profile = profile;
        id.build_hash = Some(hash);
        println!("{}", describe(&id));
        save_identity(env, &a.serial, &id)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn identify(env: &ToolEnv, a: &IdentifyArgs) -> Result<ExitCode> {
    let mut id = identify::identify_port(&a.port, a.serial.baud, timeouts(&a.serial, !a.no_wait)?)?;
    id.profile = a.profile.clone();
    id.build_hash = a.build_hash.clone();
    if a.json {
        println!("{}", id.to_meta());
    } else {
        println!("{}", describe(&id));
    }
    save_identity(env, &a.serial, &id)?;
    Ok(ExitCode::SUCCESS)
}
