//! `atscope ports`: the serial ports of this machine, with USB facts when known.
//!
//! `serialport` is built without libudev, so its listing carries no USB details on Linux; they
//! are read here from sysfs instead: `/sys/class/tty/<name>/device` leads to the USB interface,
//! whose parent device holds `idVendor`, `idProduct`, `serial`, `product` and `manufacturer`.

use std::path::Path;

use serde::Serialize;

use super::{PortError, SerialError};

/// One port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    /// The device path.
    pub path: String,
    /// `usb`, `pci`, `bluetooth`, `unknown`.
    pub kind: String,
    /// USB vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vid: Option<u16>,
    /// USB product id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u16>,
    /// USB serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// USB product string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// USB manufacturer string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
}

impl PortInfo {
    /// One line: `/dev/ttyACM0  usb 1366:1015  SEGGER J-Link  serial 000960012345`.
    pub fn line(&self) -> String {
        let mut s = format!("{:<16} {}", self.path, self.kind);
        if let (Some(v), Some(p)) = (self.vid, self.pid) {
            s.push_str(&format!(" {v:04x}:{p:04x}"));
        }
        for x in [&self.manufacturer, &self.product].into_iter().flatten() {
            s.push_str(&format!("  {x}"));
        }
        if let Some(sn) = &self.serial {
            s.push_str(&format!("  serial {sn}"));
        }
        s
    }
}

fn read_trim(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// USB facts for a tty from sysfs under `sys` (normally `/sys/class/tty`).
pub fn usb_facts(sys: &Path, tty_name: &str, info: &mut PortInfo) {
    let Ok(dev) = std::fs::canonicalize(sys.join(tty_name).join("device")) else { return };
    for dir in dev.ancestors().take(6) {
        let vid = read_trim(&dir.join("idVendor")).and_then(|v| u16::from_str_radix(&v, 16).ok());
        let pid = read_trim(&dir.join("idProduct")).and_then(|v| u16::from_str_radix(&v, 16).ok());
        if vid.is_some() && pid.is_some() {
            info.kind = "usb".into();
            info.vid = vid;
            info.pid = pid;
            info.serial = read_trim(&dir.join("serial"));
            info.product = read_trim(&dir.join("product"));
            info.manufacturer = read_trim(&dir.join("manufacturer"));
            return;
        }
    }
}

/// The ports `serialport` finds, with USB facts from sysfs where it has none.
pub fn list() -> Result<Vec<PortInfo>, SerialError> {
    let ports = serialport::available_ports().map_err(|source| PortError::Open { port: "(listing)".into(), source })?;
    let sys = Path::new("/sys/class/tty");
    let mut out: Vec<PortInfo> = ports
        .into_iter()
        .map(|p| {
            let mut info = PortInfo {
                path: p.port_name.clone(),
                kind: "unknown".into(),
                vid: None,
                pid: None,
                serial: None,
                product: None,
                manufacturer: None,
            };
            match p.port_type {
                serialport::SerialPortType::UsbPort(u) => {
                    info.kind = "usb".into();
                    info.vid = Some(u.vid);
                    info.pid = Some(u.pid);
                    info.serial = u.serial_number;
                    info.product = u.product;
                    info.manufacturer = u.manufacturer;
                }
                serialport::SerialPortType::PciPort => info.kind = "pci".into(),
                serialport::SerialPortType::BluetoothPort => info.kind = "bluetooth".into(),
                serialport::SerialPortType::Unknown => {}
            }
            if info.vid.is_none() {
                if let Some(name) = Path::new(&p.port_name).file_name().and_then(|n| n.to_str()) {
                    usb_facts(sys, name, &mut info);
                }
            }
            info
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_facts_come_from_the_parent_usb_device_in_sysfs() {
        let root = std::env::temp_dir().join(format!("atscope-sysfs-{}", std::process::id()));
        let usb = root.join("devices/usb1/1-1");
        let intf = usb.join("1-1:1.0");
        std::fs::create_dir_all(&intf).unwrap();
        std::fs::create_dir_all(root.join("class/ttyACM0")).unwrap();
        for (f, v) in [
            ("idVendor", "1366\n"),
            ("idProduct", "1015\n"),
            ("serial", "000960012345\n"),
            ("product", "J-Link\n"),
            ("manufacturer", "SEGGER\n"),
        ] {
            std::fs::write(usb.join(f), v).unwrap();
        }
        std::os::unix::fs::symlink(&intf, root.join("class/ttyACM0/device")).unwrap();
        let mut info = PortInfo {
            path: "/dev/ttyACM0".into(),
            kind: "unknown".into(),
            vid: None,
            pid: None,
            serial: None,
            product: None,
            manufacturer: None,
        };
        usb_facts(&root.join("class"), "ttyACM0", &mut info);
        assert_eq!(info.line(), "/dev/ttyACM0     usb 1366:1015  SEGGER  J-Link  serial 000960012345");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
