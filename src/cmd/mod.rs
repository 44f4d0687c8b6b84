//! One module per subcommand: an `…Args` struct (clap) and a `run` function.

pub mod check;
pub mod decode;
pub mod firmware;
