//! Secret options: which options are secret, and their encryption with the
//! key file (XChaCha20-Poly1305, RustCrypto's `chacha20poly1305`).
//!
//! A sealed value is `nonce (24 bytes) || ciphertext+tag`; the associated
//! data binds it to its device, package, section and option, so a sealed
//! value cannot be moved to another place. The key file holds the 32-byte
//! key as 64 hex digits and a newline (mode 0600). The database keeps a
//! sealed check value per device, so a wrong key is refused before anything
//! is changed, secrets or not.
#![forbid(unsafe_code)]

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::RemoteError;
use crate::schema::Catalog;

/// Option names that hold secrets in every package.
pub const SECRET_OPTIONS: &[&str] = &["password", "psk", "sae_password", "auth_secret", "acct_secret", "private_key"];

/// Option names that hold secrets in the `wireless` package (WEP/WPA keys).
pub const WIRELESS_SECRET_OPTIONS: &[&str] = &["key", "key1", "key2", "key3", "key4"];

const NONCE: usize = 24;

/// Decides which options are secret: the built-in names, plus the options
/// that a package's schema marks with `list secret`.
#[derive(Default)]
pub struct SecretRule {
    catalog: Catalog,
    schemas: std::cell::RefCell<std::collections::HashMap<Vec<u8>, Option<crate::schema::Schema>>>,
}

impl SecretRule {
    pub fn is_secret(&self, package: &[u8], stype: &[u8], option: &[u8]) -> bool {
        let name = std::str::from_utf8(option).unwrap_or("");
        if SECRET_OPTIONS.contains(&name) || (package == b"wireless" && WIRELESS_SECRET_OPTIONS.contains(&name)) {
            return true;
        }
        let mut cache = self.schemas.borrow_mut();
        let schema = cache.entry(package.to_vec()).or_insert_with(|| self.catalog.load(package).ok().flatten());
        schema.as_ref().and_then(|s| s.option(stype, option)).is_some_and(|o| o.secret)
    }
}

/// The key of a key file.
pub struct Key(XChaCha20Poly1305);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

impl Key {
    /// Reads a key file.
    pub fn load(file: &Path) -> Result<Key, RemoteError> {
        let text = std::fs::read_to_string(file).map_err(|e| RemoteError::KeyFile(file.display().to_string(), e.to_string()))?;
        let bytes = unhex(text.trim()).filter(|b| b.len() == 32);
        let Some(bytes) = bytes else {
            return Err(RemoteError::KeyFile(file.display().to_string(), "not a key (64 hex digits expected)".into()));
        };
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|e| RemoteError::KeyFile(file.display().to_string(), e.to_string()))?;
        Ok(Key(cipher))
    }

    /// Creates a key file with a new random key (mode 0600); fails when the
    /// file exists.
    pub fn create(file: &Path) -> Result<Key, RemoteError> {
        let err = |e: String| RemoteError::KeyFile(file.display().to_string(), e);
        let key = chacha20poly1305::Key::try_generate().map_err(|e| err(format!("no random numbers: {e}")))?;
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file).map_err(|e| err(e.to_string()))?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| err(e.to_string()))?;
        f.write_all(format!("{}\n", hex(&key)).as_bytes()).and_then(|_| f.sync_all()).map_err(|e| err(e.to_string()))?;
        Ok(Key(XChaCha20Poly1305::new(&key)))
    }

    /// Seals `plain` for the place named by `aad`.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, RemoteError> {
        let nonce = XNonce::try_generate().map_err(|e| RemoteError::Crypto(format!("no random numbers: {e}")))?;
        let ct = self.0.encrypt(&nonce, Payload { msg: plain, aad }).map_err(|_| RemoteError::Crypto("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens a sealed value; `None` when the key or the place is wrong or
    /// the value was altered.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let (n, ct) = sealed.split_at_checked(NONCE)?;
        let nonce = XNonce::try_from(n).ok()?;
        self.0.decrypt(&nonce, Payload { msg: ct, aad }).ok()
    }
}

/// The associated data of a sealed option value.
pub fn aad(device: &str, package: &[u8], section: &[u8], option: &[u8]) -> Vec<u8> {
    let mut a = b"ucix-remote secret\0".to_vec();
    for part in [device.as_bytes(), package, section, option] {
        a.extend_from_slice(&(part.len() as u32).to_be_bytes());
        a.extend_from_slice(part);
    }
    a
}

/// The associated data of a device's key check value.
pub fn check_aad(device: &str) -> Vec<u8> {
    let mut a = b"ucix-remote key check\0".to_vec();
    a.extend_from_slice(device.as_bytes());
    a
}

pub const CHECK_PLAIN: &[u8] = b"ucix-remote";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_wrong_place() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("k");
        let k = Key::create(&f).unwrap();
        assert!(Key::create(&f).is_err());
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600);
        let k2 = Key::load(&f).unwrap();
        let a = aad("d", b"wireless", b"wifinet0", b"key");
        let s = k.seal(&a, b"hunter22").unwrap();
        assert!(!s.windows(8).any(|w| w == b"hunter22"));
        assert_eq!(k2.open(&a, &s).as_deref(), Some(&b"hunter22"[..]));
        assert_eq!(k2.open(&aad("e", b"wireless", b"wifinet0", b"key"), &s), None);
        let other = Key::create(&dir.path().join("k2")).unwrap();
        assert_eq!(other.open(&a, &s), None);
        std::fs::write(dir.path().join("bad"), "xyz\n").unwrap();
        assert!(Key::load(&dir.path().join("bad")).is_err());
    }

    #[test]
    fn secret_names() {
        let r = SecretRule { catalog: Catalog::new("/nonexistent"), schemas: Default::default() };
        assert!(r.is_secret(b"wireless", b"wifi-iface", b"key"));
        assert!(r.is_secret(b"network", b"interface", b"private_key"));
        assert!(!r.is_secret(b"network", b"interface", b"key"));
        assert!(!r.is_secret(b"network", b"interface", b"proto"));
    }
}
