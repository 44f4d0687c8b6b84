//! One module per subcommand: an `…Args` struct (clap) and a `run` function.

pub mod check;
pub mod decode;
pub mod diff;
pub mod export;
pub mod firmware;
pub mod import;
pub mod live;
pub mod log_args;
pub mod logic;
pub mod ports;
pub mod record;
pub mod replay;
pub mod serve;
pub mod uart_args;
