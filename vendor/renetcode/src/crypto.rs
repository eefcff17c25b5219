use chacha20poly1305::aead::{rand_core::RngCore, OsRng};
use chacha20poly1305::{AeadInPlace, Error as CryptoError, Key, KeyInit, Tag, XChaCha20Poly1305, XNonce};

use crate::NETCODE_MAC_BYTES;

pub fn dencrypted_in_place(buffer: &mut [u8], sequence: u64, private_key: &[u8; 32], aad: &[u8]) -> Result<(), CryptoError> {
    // PATCH(madang): what is left after the sequence may be shorter than the MAC; the
    // subtraction below then overflowed (a panic either way). See vendor/PATCHES.md.
    if buffer.len() < NETCODE_MAC_BYTES {
        return Err(CryptoError);
    }
    // PATCH(madang): every packet is opened with ring's ChaCha20-Poly1305 (the same IETF
    // construction, so the bytes on the wire do not change): RustCrypto's took about 1.9 µs
    // for a 200-byte packet on x86-64 without AVX2 enabled at build time (its AVX2 helpers
    // called each intrinsic as a function), ring's 0.25 µs. See vendor/PATCHES.md.
    let key = ring_key(private_key)?;
    key.open_in_place(packet_nonce(sequence), ring::aead::Aad::from(aad), buffer)
        .map(|_| ())
        .map_err(|_| CryptoError)
}

/// PATCH(madang): netcode's nonce for a packet: four zero bytes, then the sequence.
fn packet_nonce(sequence: u64) -> ring::aead::Nonce {
    let mut nonce = [0; 12];
    nonce[4..12].copy_from_slice(&sequence.to_le_bytes());
    ring::aead::Nonce::assume_unique_for_key(nonce)
}

/// PATCH(madang): a packet key for ring (cheap: ChaCha20 has no key schedule to speak of).
fn ring_key(key: &[u8; 32]) -> Result<ring::aead::LessSafeKey, CryptoError> {
    ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, key)
        .map(ring::aead::LessSafeKey::new)
        .map_err(|_| CryptoError)
}

pub fn dencrypted_in_place_xnonce(buffer: &mut [u8], xnonce: &[u8; 24], private_key: &[u8; 32], aad: &[u8]) -> Result<(), CryptoError> {
    // PATCH(madang): as above.
    if buffer.len() < NETCODE_MAC_BYTES {
        return Err(CryptoError);
    }
    let xnonce = XNonce::from_slice(xnonce);
    let (buffer, tag) = buffer.split_at_mut(buffer.len() - NETCODE_MAC_BYTES);
    let tag = Tag::from_slice(tag);

    let key = Key::from_slice(private_key);
    let cipher = XChaCha20Poly1305::new(key);

    cipher.decrypt_in_place_detached(xnonce, aad, buffer, tag)
}

pub fn encrypt_in_place(buffer: &mut [u8], sequence: u64, key: &[u8; 32], aad: &[u8]) -> Result<(), CryptoError> {
    // PATCH(madang): ring seals, as `dencrypted_in_place` opens.
    if buffer.len() < NETCODE_MAC_BYTES {
        return Err(CryptoError);
    }
    let (buffer, buffer_tag) = buffer.split_at_mut(buffer.len() - NETCODE_MAC_BYTES);
    let tag = ring_key(key)?
        .seal_in_place_separate_tag(packet_nonce(sequence), ring::aead::Aad::from(aad), buffer)
        .map_err(|_| CryptoError)?;
    buffer_tag.copy_from_slice(tag.as_ref());

    Ok(())
}

pub fn encrypt_in_place_xnonce(buffer: &mut [u8], xnonce: &[u8; 24], key: &[u8; 32], aad: &[u8]) -> Result<(), CryptoError> {
    let (buffer, buffer_tag) = buffer.split_at_mut(buffer.len() - NETCODE_MAC_BYTES);

    let xnonce = XNonce::from_slice(xnonce);
    let key = Key::from_slice(key);
    let cipher = XChaCha20Poly1305::new(key);
    let tag = cipher.encrypt_in_place_detached(xnonce, aad, buffer)?;
    buffer_tag.copy_from_slice(&tag);

    Ok(())
}

/// Generate a buffer with random bytes using randomness from the operating system.
///
/// The implementation is provided by the `getrandom` crate. Refer to
/// `getrandom` documentation for details.
pub fn generate_random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PATCH(madang): ring's packets are RustCrypto's, byte for byte, both ways (a peer with
    /// the stock crate reads ours).
    #[test]
    fn ring_seals_as_the_stock_crate_did() {
        use chacha20poly1305::{ChaCha20Poly1305, Nonce};
        let key = [9u8; 32];
        for len in [0usize, 1, 17, 200, 1200] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut ours = plain.clone();
            ours.extend_from_slice(&[0u8; NETCODE_MAC_BYTES]);
            encrypt_in_place(&mut ours, 77, &key, b"aad").unwrap();
            let mut nonce = [0; 12];
            nonce[4..12].copy_from_slice(&77u64.to_le_bytes());
            let mut theirs = plain.clone();
            let tag = ChaCha20Poly1305::new(Key::from_slice(&key))
                .encrypt_in_place_detached(&Nonce::from(nonce), b"aad", &mut theirs)
                .unwrap();
            theirs.extend_from_slice(&tag);
            assert_eq!(ours, theirs, "{len} bytes");
            dencrypted_in_place(&mut ours, 77, &key, b"aad").unwrap();
            assert_eq!(&ours[..len], &plain[..]);
            ours[0..len].copy_from_slice(&plain);
            let last = ours.len() - 1;
            ours[last] ^= 1;
            assert!(dencrypted_in_place(&mut ours, 77, &key, b"aad").is_err(), "a changed tag is refused");
        }
    }

    #[test]
    fn test_encrypt_decrypt_in_place() {
        let key = b"an example very very secret key."; // 32-bytes
        let sequence = 2;
        let aad = b"test";

        let mut data = b"some packet data".to_vec();
        let data_len = data.len();
        data.extend_from_slice(&[0u8; NETCODE_MAC_BYTES]);

        encrypt_in_place(&mut data, sequence, key, aad).unwrap();
        dencrypted_in_place(&mut data, sequence, key, aad).unwrap();
        assert_eq!(&data[..data_len], b"some packet data");
    }
}
