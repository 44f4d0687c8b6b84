//! Stand-ins for the NCS tools in tests (no toolchain can be installed here): a shell script
//! where `west`, `nrfjprog` or `nrfutil` would be, and the smallest NCS checkout the workspace
//! search and `west` plans accept. Used by this crate's tests and by the CLI's.

use std::path::{Path, PathBuf};

/// Writes `dir/name`, an executable `/bin/sh` script running `body`; its path.
#[cfg(unix)]
pub fn script(dir: &Path, name: &str, body: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n"))?;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))?;
    Ok(p)
}

/// Makes `root` an NCS 2.1.2 checkout: `.west/`, `zephyr/`, `nrf/VERSION` and the SLM
/// application with its native-TLS overlay.
pub fn ncs_checkout(root: &Path) -> std::io::Result<()> {
    let app = root.join("nrf/applications/serial_lte_modem");
    std::fs::create_dir_all(&app)?;
    std::fs::create_dir_all(root.join(".west"))?;
    std::fs::create_dir_all(root.join("zephyr"))?;
    std::fs::write(app.join("overlay-native_tls.conf"), "CONFIG_SLM_NATIVE_TLS=y\n")?;
    std::fs::write(root.join("nrf/VERSION"), "2.1.2\n")
}
