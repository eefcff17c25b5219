//! The record of a partnership signed online (the 2021 Failure Expo's opening): the agreement
//! (title, text, the organizations that sign it), and one entry per signature, each an Ed25519
//! signature by the representative's own key over the agreement's hash and their
//! organization's name, chained: every entry holds the hash of the one before, so no entry can
//! be changed, dropped or reordered without the record failing [`verify`]. The record is JSON
//! with the public keys in it, checkable offline (`madang-server agreement verify FILE`).
//!
//! The server collects the signatures at the ceremony (`server/src/rituals.rs`); each
//! representative's client signs with its own key, kept beside the visitor pass.

use ed25519_dalek::{Signature, Signer as _, Verifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// What the parties sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub title: String,
    pub text: String,
    /// The organizations that sign, in the order they are called.
    pub organizations: Vec<String>,
}

impl Agreement {
    /// The agreement's hash: BLAKE3 over its fields, each with its length, under a label.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"madang-agreement-v1");
        field(&mut h, self.title.as_bytes());
        field(&mut h, self.text.as_bytes());
        h.update(&(self.organizations.len() as u64).to_le_bytes());
        for o in &self.organizations {
            field(&mut h, o.as_bytes());
        }
        *h.finalize().as_bytes()
    }
}

fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Who signs where: the organization, the representative's visitor id and name, and the hash
/// of the record's last entry when they sign (the chain's head, zeros for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer<'a> {
    pub organization: &'a str,
    pub visitor: u64,
    pub name: &'a str,
    pub prev_hash: [u8; 32],
}

/// What a representative signs: the agreement's hash, and who signs for which organization
/// after which entry (so a signature cannot be moved to another organization, person or place
/// in the chain).
pub fn signing_message(agreement_hash: &[u8; 32], who: &Signer<'_>) -> Vec<u8> {
    let mut m = b"madang-agreement-signature-v1".to_vec();
    m.extend_from_slice(agreement_hash);
    m.extend_from_slice(&(who.organization.len() as u64).to_le_bytes());
    m.extend_from_slice(who.organization.as_bytes());
    m.extend_from_slice(&who.visitor.to_le_bytes());
    m.extend_from_slice(&(who.name.len() as u64).to_le_bytes());
    m.extend_from_slice(who.name.as_bytes());
    m.extend_from_slice(&who.prev_hash);
    m
}

/// Signs with `key` (the representative's own, on their machine).
pub fn sign(key: &SigningKey, agreement_hash: &[u8; 32], who: &Signer<'_>) -> [u8; 64] {
    key.sign(&signing_message(agreement_hash, who)).to_bytes()
}

/// One signature in the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// From 1.
    pub seq: u32,
    pub organization: String,
    /// The representative's visitor id and display name.
    pub visitor: u64,
    pub name: String,
    /// When the server recorded it (Unix ms).
    pub signed_at_ms: i64,
    /// Hex: the representative's Ed25519 public key (32 bytes), their signature (64).
    pub public_key: String,
    pub signature: String,
    /// Hex: the hash of the entry before (zeros for the first).
    pub prev_hash: String,
}

impl Entry {
    /// This entry's hash, which the next one holds.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"madang-agreement-entry-v1");
        h.update(&self.seq.to_le_bytes());
        field(&mut h, self.organization.as_bytes());
        h.update(&self.visitor.to_le_bytes());
        field(&mut h, self.name.as_bytes());
        h.update(&self.signed_at_ms.to_le_bytes());
        field(&mut h, self.public_key.as_bytes());
        field(&mut h, self.signature.as_bytes());
        field(&mut h, self.prev_hash.as_bytes());
        *h.finalize().as_bytes()
    }
}

/// The whole record, as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub agreement: Agreement,
    /// Hex of [`Agreement::hash`], for readers without this program.
    pub agreement_hash: String,
    pub entries: Vec<Entry>,
    /// Hex of the last entry's hash (zeros while none): the record's end, so that the last
    /// entry's time cannot change unseen either.
    pub head: String,
}

/// Why a record does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the record is not readable: {0}")]
    Unreadable(String),
    #[error("the agreement's hash does not match its title, text and organizations")]
    AgreementChanged,
    #[error("entry {seq}: {why}")]
    Entry { seq: u32, why: String },
}

impl Record {
    pub fn new(agreement: Agreement) -> Record {
        Record {
            agreement_hash: hex(&agreement.hash()),
            agreement,
            entries: Vec::new(),
            head: hex(&[0; 32]),
        }
    }

    /// Adds a representative's signature after checking it, chained to the last entry.
    pub fn append(
        &mut self,
        organization: &str,
        visitor: u64,
        name: &str,
        signed_at_ms: i64,
        public_key: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<&Entry, VerifyError> {
        let seq = self.entries.len() as u32 + 1;
        let entry = Entry {
            seq,
            organization: organization.to_owned(),
            visitor,
            name: name.to_owned(),
            signed_at_ms,
            public_key: hex(public_key),
            signature: hex(signature),
            prev_hash: hex(&self.head_hash()),
        };
        self.push(entry)?;
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Adds an entry as stored (read back from the store), after the same checks as
    /// [`Record::append`].
    pub fn push(&mut self, entry: Entry) -> Result<(), VerifyError> {
        check_entry(
            &self.agreement,
            &self.agreement.hash(),
            &self.entries,
            &entry,
        )?;
        self.head = hex(&entry.hash());
        self.entries.push(entry);
        Ok(())
    }

    /// Whether `organization` has signed.
    pub fn signed(&self, organization: &str) -> bool {
        self.entries.iter().any(|e| e.organization == organization)
    }

    /// The last entry's hash (zeros while none): what the next signer signs after.
    pub fn head_hash(&self) -> [u8; 32] {
        self.entries.last().map(Entry::hash).unwrap_or([0; 32])
    }
}

fn check_entry(
    agreement: &Agreement,
    agreement_hash: &[u8; 32],
    before: &[Entry],
    e: &Entry,
) -> Result<(), VerifyError> {
    let bad = |why: &str| VerifyError::Entry {
        seq: e.seq,
        why: why.to_owned(),
    };
    if e.seq as usize != before.len() + 1 {
        return Err(bad("out of order"));
    }
    let prev = before.last().map(Entry::hash).unwrap_or([0; 32]);
    if e.prev_hash != hex(&prev) {
        return Err(bad(
            "does not follow the entry before it (the chain is broken)",
        ));
    }
    if !agreement.organizations.contains(&e.organization) {
        return Err(bad("signs for an organization the agreement does not list"));
    }
    if before.iter().any(|b| b.organization == e.organization) {
        return Err(bad("signs again for an organization that has signed"));
    }
    let key: [u8; 32] =
        unhex(&e.public_key).ok_or_else(|| bad("its public key is not 32 bytes of hex"))?;
    let sig: [u8; 64] =
        unhex(&e.signature).ok_or_else(|| bad("its signature is not 64 bytes of hex"))?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("its public key is not a key"))?;
    let who = Signer {
        organization: &e.organization,
        visitor: e.visitor,
        name: &e.name,
        prev_hash: prev,
    };
    key.verify(
        &signing_message(agreement_hash, &who),
        &Signature::from_bytes(&sig),
    )
    .map_err(|_| bad("its signature does not verify"))
}

/// Checks a record read from JSON: the agreement against its hash, then every entry (order,
/// chain, organization, signature). Returns the entries that hold, or the first that fails.
pub fn verify(json: &[u8]) -> Result<Record, VerifyError> {
    let record: Record =
        serde_json::from_slice(json).map_err(|e| VerifyError::Unreadable(e.to_string()))?;
    let hash = record.agreement.hash();
    if record.agreement_hash != hex(&hash) {
        return Err(VerifyError::AgreementChanged);
    }
    for (i, e) in record.entries.iter().enumerate() {
        check_entry(&record.agreement, &hash, &record.entries[..i], e)?;
    }
    if record.head != hex(&record.head_hash()) {
        let seq = record.entries.last().map(|e| e.seq).unwrap_or(0);
        return Err(VerifyError::Entry {
            seq,
            why: "is not the record's end (the head does not match it)".into(),
        });
    }
    Ok(record)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// A new signing key from 32 random bytes (the caller's randomness).
pub fn key_from_seed(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement() -> Agreement {
        Agreement {
            title: "실패박람회 협업 협약".into(),
            text: "우리는 실패 경험을 나누고 재도전을 함께 응원한다.".into(),
            organizations: vec![
                "행정안전부".into(),
                "부산광역시".into(),
                "대구광역시".into(),
            ],
        }
    }

    fn signed() -> Record {
        let mut r = Record::new(agreement());
        let hash = r.agreement.hash();
        for (i, org) in agreement().organizations.iter().enumerate() {
            let key = key_from_seed([i as u8 + 1; 32]);
            let name = format!("{org} 대표");
            let who = Signer {
                organization: org,
                visitor: 100 + i as u64,
                name: &name,
                prev_hash: r.head_hash(),
            };
            let sig = sign(&key, &hash, &who);
            r.append(
                org,
                100 + i as u64,
                &name,
                1_800_000_000_000 + i as i64,
                &key.verifying_key().to_bytes(),
                &sig,
            )
            .expect("a good signature is taken");
        }
        r
    }

    #[test]
    fn three_signatures_verify_offline() {
        let json = serde_json::to_vec_pretty(&signed()).expect("json");
        let r = verify(&json).expect("the record holds");
        assert_eq!(r.entries.len(), 3);
        assert_eq!(r.entries[2].organization, "대구광역시");
    }

    #[test]
    fn a_changed_byte_fails_with_the_entry_named() {
        let r = signed();
        // A later time for the second signature.
        let mut t = r.clone();
        t.entries[1].signed_at_ms += 1;
        let json = serde_json::to_vec(&t).expect("json");
        assert_eq!(
            verify(&json).unwrap_err(),
            VerifyError::Entry {
                seq: 3,
                why: "does not follow the entry before it (the chain is broken)".into()
            }
        );
        // A later time for the last signature: the head no longer matches it.
        let mut t = r.clone();
        t.entries[2].signed_at_ms += 1;
        let err = verify(&serde_json::to_vec(&t).expect("json")).unwrap_err();
        assert!(matches!(err, VerifyError::Entry { seq: 3, .. }), "{err:?}");
        // A flipped bit in the first signature.
        let mut t = r.clone();
        let mut sig = t.entries[0].signature.clone().into_bytes();
        sig[10] = if sig[10] == b'0' { b'1' } else { b'0' };
        t.entries[0].signature = String::from_utf8(sig).expect("ascii");
        let err = verify(&serde_json::to_vec(&t).expect("json")).unwrap_err();
        assert!(matches!(err, VerifyError::Entry { seq: 1, .. }), "{err:?}");
        // The agreement's text changed after signing.
        let mut t = r.clone();
        t.agreement.text.push('!');
        t.agreement_hash = hex(&t.agreement.hash());
        let err = verify(&serde_json::to_vec(&t).expect("json")).unwrap_err();
        assert!(matches!(err, VerifyError::Entry { seq: 1, .. }), "{err:?}");
        // Every byte of the stored file changed in turn is caught, or unreadable.
        let json = serde_json::to_vec(&r).expect("json");
        for i in 0..json.len() {
            let mut b = json.clone();
            b[i] ^= 0x01;
            if b == json {
                continue;
            }
            match verify(&b) {
                Err(_) => {}
                // A change JSON reads the same (a letter's case in an escape) is no change.
                Ok(read) => assert_eq!(read, r, "byte {i} changed the record unseen"),
            }
        }
    }

    #[test]
    fn a_signature_for_another_organization_or_a_second_one_is_refused() {
        let mut r = Record::new(agreement());
        let hash = r.agreement.hash();
        let key = key_from_seed([9; 32]);
        let pk = key.verifying_key().to_bytes();
        let who = |org| Signer {
            organization: org,
            visitor: 1,
            name: "x",
            prev_hash: [0; 32],
        };
        // Signed for Busan, claimed for Daegu.
        let sig = sign(&key, &hash, &who("부산광역시"));
        assert!(r.append("대구광역시", 1, "x", 0, &pk, &sig).is_err());
        // Signed by visitor 1, claimed by visitor 2.
        assert!(r.append("부산광역시", 2, "x", 0, &pk, &sig).is_err());
        let seoul = sign(&key, &hash, &who("서울특별시"));
        assert!(r.append("서울특별시", 1, "x", 0, &pk, &seoul).is_err());
        r.append("부산광역시", 1, "x", 0, &pk, &sig).expect("taken");
        assert!(
            r.append("부산광역시", 1, "x", 0, &pk, &sig).is_err(),
            "once per organization"
        );
    }
}
