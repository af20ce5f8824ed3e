//! SRv6 HMAC TLV computation (`seg6_hmac_compute`): HMAC-SHA1 (zero-padded to 32 bytes)
//! or HMAC-SHA256 over source ‖ last_entry ‖ flags ‖ key id ‖ segments.

use hmac::{Hmac, KeyInit, Mac};

/// The algorithms `ip sr hmac set` accepts: the configuration's own type.
pub use lwt_config::HmacAlgo;

/// A configured key (`sr hmac set KEYID ALGO SECRET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacKey {
    pub id: u32,
    pub algo: HmacAlgo,
    pub secret: Vec<u8>,
}

/// Computes the 32-byte HMAC field over `text` (as built by `lwt_wire::srh::hmac_input`).
pub fn compute(key: &HmacKey, text: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    match key.algo {
        HmacAlgo::Sha1 => digest::<Hmac<sha1::Sha1>>(&key.secret, text, &mut out),
        HmacAlgo::Sha256 => digest::<Hmac<sha2::Sha256>>(&key.secret, text, &mut out),
    }
    out
}

/// Writes the MAC of `text` at the start of `out` (a SHA-1 MAC leaves the rest zero).
fn digest<M: Mac + KeyInit>(secret: &[u8], text: &[u8], out: &mut [u8; 32]) {
    let mut m = <M as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(text);
    let d = m.finalize().into_bytes();
    out[..d.len()].copy_from_slice(&d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = HmacKey {
            id: 1,
            algo: HmacAlgo::Sha256,
            secret: b"Jefe".to_vec(),
        };
        let mac = compute(&key, b"what do ya want for nothing?");
        assert_eq!(
            mac[..4],
            [0x5b, 0xdc, 0xc1, 0x46],
            "first bytes of 5bdcc146bf60754e6a042426089575c7..."
        );
        assert_eq!(mac[28..], [0x64, 0xec, 0x38, 0x43]);
    }

    #[test]
    fn sha1_is_zero_padded() {
        // RFC 2202 test case 2.
        let key = HmacKey {
            id: 1,
            algo: HmacAlgo::Sha1,
            secret: b"Jefe".to_vec(),
        };
        let mac = compute(&key, b"what do ya want for nothing?");
        assert_eq!(mac[..4], [0xef, 0xfc, 0xdf, 0x6a]);
        assert_eq!(mac[20..], [0u8; 12]);
    }
}
