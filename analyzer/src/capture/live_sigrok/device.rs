//! Devices: listing what libsigrok finds, picking one by driver and id, configuring it
//! (through `sigrok-rs`).

use atscope_sigrok::{Channel, Context, Device};

use super::{libsigrok_turn, sigrok_error};
use crate::capture::CaptureError;

/// A channel of a device as libsigrok lists it.
pub type DeviceChannel = Channel;

/// A device libsigrok found.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// Driver name.
    pub driver: String,
    /// Vendor (may be empty).
    pub vendor: String,
    /// Model (may be empty).
    pub model: String,
    /// Connection id (may be empty).
    pub conn: String,
    /// Serial number (may be empty).
    pub serial: String,
    /// Its channels.
    pub channels: Vec<DeviceChannel>,
    /// libsigrok's full description (options, channel groups).
    pub description: String,
}

fn info_of(dev: &Device<'_>) -> DeviceInfo {
    let d = dev.info();
    DeviceInfo {
        driver: d.get_driver_name().clone(),
        vendor: d.get_vendor().clone(),
        model: d.get_model().clone(),
        conn: d.get_connection_id().clone(),
        serial: d.get_serial_number().clone(),
        channels: dev.channels(),
        description: d.to_string(),
    }
}

/// Every device libsigrok finds (the `demo` device is always there).
pub fn list_devices() -> Result<Vec<DeviceInfo>, CaptureError> {
    let _turn = libsigrok_turn()?;
    let ctx = Context::new().map_err(sigrok_error)?;
    let devices = ctx.scan().map_err(sigrok_error)?;
    Ok(devices.iter().map(info_of).collect())
}

/// `driver` or `driver:id`.
pub(super) fn label(driver: &str, conn: Option<&str>) -> String {
    match conn {
        Some(c) => format!("{driver}:{c}"),
        None => driver.to_string(),
    }
}

/// The device of `driver` (whose connection id, serial number or model is `conn`, if given).
pub(super) fn pick<'c>(ctx: &'c Context, driver: &str, conn: Option<&str>) -> Result<Device<'c>, String> {
    let devices = ctx.scan().map_err(|e| e.to_string())?;
    let found = devices.into_iter().find(|d| {
        let i = d.info();
        i.get_driver_name() == driver
            && conn
                .is_none_or(|c| [i.get_connection_id(), i.get_serial_number(), i.get_model()].contains(&&c.to_string()))
    });
    found.ok_or_else(|| {
        format!(
            "libsigrok finds no device {:?} (is it plugged in, and may this user open it? `atscope logic --list` shows what it finds)",
            label(driver, conn)
        )
    })
}

/// Sets the sample rate and the sample limit, and switches every logic channel on and every
/// analog one off (analog data costs time and is not decoded).
pub(super) fn configure(dev: &mut Device<'_>, samplerate: u64, limit: Option<u64>) -> Result<(), String> {
    dev.open().map_err(|e| e.to_string())?;
    let table = dev.channels();
    let cfg = dev.config();
    cfg.set_option("samplerate", &samplerate.to_string())
        .map_err(|e| format!("the device refuses {samplerate} samples/s: libsigrok says {e:?}"))?;
    for c in &table {
        if c.logic != c.enabled {
            cfg.channel_enable(&c.name, c.logic)
                .map_err(|e| format!("cannot switch channel {:?}: libsigrok says {e:?}", c.name))?;
        }
    }
    if let Some(l) = limit {
        // A driver without a sample limit is stopped by the datafeed at the limit.
        let _ = cfg.set_option("limit_samples", &l.to_string());
    }
    Ok(())
}
