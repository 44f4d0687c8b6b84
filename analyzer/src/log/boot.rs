//! The boot banner Zephyr prints (printk, no header) when the chip starts: each one begins a new
//! segment of the log, whose uptime restarts from zero.
//!
//! `*** Booting nRF Connect SDK v2.1.2 ***` (NCS builds), `*** Booting Zephyr OS build v3.0.99-ncs1 ***`
//! (Zephyr's own, also printed by NCS before 2.5 and by MCUboot), possibly with a build id or
//! date after the version.

/// The banner's words after `Booting ` (`nRF Connect SDK v2.1.2`), when `text` is a boot banner.
pub fn banner(text: &str) -> Option<&str> {
    let t = text.trim();
    let inner = t.strip_prefix("*** Booting ")?;
    let inner = inner.strip_suffix("***").unwrap_or(inner).trim();
    (inner.starts_with("nRF Connect SDK") || inner.starts_with("Zephyr OS")).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::banner;

    #[test]
    fn the_ncs_and_zephyr_banners() {
        assert_eq!(banner("*** Booting nRF Connect SDK v2.1.2 ***"), Some("nRF Connect SDK v2.1.2"));
        assert_eq!(banner("*** Booting Zephyr OS build v3.0.99-ncs1  ***"), Some("Zephyr OS build v3.0.99-ncs1"));
        assert_eq!(
            banner("*** Booting nRF Connect SDK v2.9.0-7787b2649840 ***"),
            Some("nRF Connect SDK v2.9.0-7787b2649840")
        );
        assert_eq!(banner("Booting nRF Connect SDK"), None);
        assert_eq!(banner("*** Booting something else ***"), None);
    }
}
