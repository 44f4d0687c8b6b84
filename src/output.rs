//! Output files of the commands that write one through a temporary file (`import`, `export`):
//! [`create`] is the library's [`Output::create`] plus, once per process, a SIGINT/SIGTERM/SIGHUP
//! handler that removes the temporary files still being written before the process dies of the
//! signal (a killed export must not leave a hidden multi-GB file behind).

use std::path::Path;
use std::sync::Once;

use anyhow::Result;
use atscope_analyzer::output::{remove_pending, Output};

static SIGNALS: Once = Once::new();

fn install_cleanup() {
    SIGNALS.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            eprintln!(
                "atscope: warning: cannot install the signal handler; an interrupted write may leave a temporary file"
            );
            return;
        };
        std::thread::Builder::new()
            .name("atscope-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    remove_pending();
                    // Die of the signal, as without a handler (exit status 128+N for the shell).
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    std::process::exit(128 + sig);
                }
            })
            .ok();
    });
}

/// Opens `path` for writing as the output of a command reading `inputs` (never one of them, never
/// a directory; a FIFO or device is written straight into; a file through a temporary file that is
/// removed on error and on SIGINT/SIGTERM/SIGHUP). [`Output::commit`] puts it in place.
pub fn create(path: &Path, inputs: &[&Path]) -> Result<Output> {
    install_cleanup();
    Ok(Output::create(path, inputs)?)
}
