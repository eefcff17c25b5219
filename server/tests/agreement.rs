//! `madang-server agreement verify`, run as an organizer would after the signing: three
//! representatives' signatures hold; one byte changed anywhere in the stored record makes it
//! fail with the entry named (or the file unreadable), and the exit code says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use madang_shared::agreement::{Agreement, Record, Signer, key_from_seed, sign};

fn record() -> Record {
    let mut r = Record::new(Agreement {
        title: "2021 실패박람회 협업 협약".into(),
        text: "참여 기관은 실패 경험을 공유하고 재도전을 함께 지원한다.".into(),
        organizations: vec![
            "행정안전부".into(),
            "부산광역시".into(),
            "대구광역시".into(),
        ],
    });
    let hash = r.agreement.hash();
    for (i, org) in r.agreement.organizations.clone().iter().enumerate() {
        let key = key_from_seed([40 + i as u8; 32]);
        let name = format!("{org} 대표");
        let visitor = 7000 + i as u64;
        let sig = sign(
            &key,
            &hash,
            &Signer {
                organization: org,
                visitor,
                name: &name,
                prev_hash: r.head_hash(),
            },
        );
        r.append(
            org,
            visitor,
            &name,
            1_796_000_000_000 + i as i64 * 60_000,
            &key.verifying_key().to_bytes(),
            &sig,
        )
        .expect("a good signature is taken");
    }
    r
}

fn verify(file: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_madang-server"))
        .args(["agreement", "verify"])
        .arg(file)
        .output()
        .expect("the server binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("madang-agreement-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    dir.join(name)
}

#[test]
fn three_signatures_verify_and_a_changed_byte_fails_naming_its_entry() {
    let r = record();
    let json = serde_json::to_vec_pretty(&r).expect("json");
    let file = temp("record.json");
    std::fs::write(&file, &json).expect("writes");
    let (ok, out) = verify(&file);
    assert!(ok, "{out}");
    assert!(
        out.contains("1. 행정안전부 — 행정안전부 대표 (visitor 7000)"),
        "{out}"
    );
    assert!(out.contains("3. 대구광역시"), "{out}");
    assert!(out.contains("3 of 3 organizations signed"), "{out}");

    // The second signature's hex, one digit changed: entry 2 fails.
    let text = String::from_utf8(json.clone()).expect("utf-8");
    let sig = &r.entries[1].signature;
    let mut changed = sig.clone().into_bytes();
    changed[0] = if changed[0] == b'a' { b'b' } else { b'a' };
    let tampered = text.replacen(sig.as_str(), std::str::from_utf8(&changed).expect("hex"), 1);
    let file2 = temp("tampered.json");
    std::fs::write(&file2, tampered).expect("writes");
    let (ok, out) = verify(&file2);
    assert!(!ok, "a changed signature fails: {out}");
    assert!(
        out.contains("entry 2: its signature does not verify"),
        "{out}"
    );

    // The first representative's name changed: entry 1's signature no longer holds.
    let tampered = text.replacen("행정안전부 대표", "행정안전부 대리", 1);
    std::fs::write(&file2, tampered).expect("writes");
    let (ok, out) = verify(&file2);
    assert!(!ok && out.contains("entry 1:"), "{out}");

    // Any one byte flipped: never a record that holds.
    for i in (0..json.len()).step_by(11) {
        let mut b = json.clone();
        b[i] ^= 0x20;
        if serde_json::from_slice::<Record>(&b).is_ok_and(|read| read == r) {
            continue;
        }
        std::fs::write(&file2, &b).expect("writes");
        let (ok, out) = verify(&file2);
        assert!(!ok, "byte {i} changed and the record still held: {out}");
    }
}
