//! Building and flashing the nRF9160 Serial LTE Modem (SLM) the way a team does it, as data, and
//! checking what ended up on the board.
//!
//! - [`profile`]: build profiles (NCS version, board, overlays, Kconfig) from `profiles.toml`,
//!   compiled in and overridable by a user file;
//! - [`doctor`]: is west, the NCS checkout, CMake/Ninja, nrfutil / nrfjprog there, and if not,
//!   how to get them;
//! - [`west`]: the `west build` command for a profile, run with its output streamed, and the
//!   merged hex it leaves;
//! - [`flash`]: programming with `nrfutil device program` or `nrfjprog`;
//! - [`identify`]: waiting for `Ready` and asking `AT#XSLMVER` / `AT+CGMR`, giving the
//!   [`identify::Identity`] that trace headers record;
//! - [`tools`], [`workspace`]: PATH lookup, running tools, finding the NCS checkout;
//! - [`fake_slm`]: a pretend SLM for tests without a board.
//!
//! What it does not do: install anything, or print. External tools are found on a PATH the caller
//! passes in a [`tools::ToolEnv`], and their output goes to a callback, so the CLI decides what
//! the user sees and tests can substitute fake tools.
//!
//! ```no_run
//! use atscope_firmware::{profile::Profiles, tools::ToolEnv, west};
//! let env = ToolEnv::from_process();
//! let profile = Profiles::builtin().resolve("native-tls")?;
//! let opts = west::BuildOptions { build_dir: "build/native-tls".into(), ..Default::default() };
//! let plan = west::plan(&env, &profile, &opts)?;
//! let hex = west::run(&env, &plan, &mut |line| println!("{}", line.text))?;
//! println!("{} ({} bytes)", hex.path.display(), hex.file_bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod doctor;
pub mod fake_slm;
pub mod fake_tools;
pub mod flash;
pub mod identify;
pub mod profile;
pub mod tools;
pub mod west;
pub mod workspace;
