//! `madang-server check-map`: prints every problem and exits non-zero; prints the notes apart
//! and passes a map that has only notes (unless `--strict`); passes good maps.

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/maps")
}

fn check_map(files: &[PathBuf]) -> (bool, String) {
    check_map_with(&[], files)
}

fn check_map_with(flags: &[&str], files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_madang-server"))
        .arg("check-map")
        .args(flags)
        .args(files)
        .output()
        .expect("the server binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn check_map_lists_every_problem_and_fails() {
    let (ok, text) = check_map(&[
        fixtures().join("many_problems.tmx"),
        fixtures().join("no_spawn.tmx"),
    ]);
    assert!(!ok, "broken maps make check-map fail:\n{text}");
    let (problems, notes) = text
        .split_once("(loaded; what Madang does not use)")
        .expect("the notes come after the problems");
    assert!(
        problems.contains("many_problems.tmx: object 8 (stuck): the spawn is outside the map")
            && problems.contains("problems in the maps"),
        "{text}"
    );
    assert!(
        notes.contains("many_problems.tmx: object 9 (thing): the class `statue`")
            && notes.contains("no_spawn.tmx: the map marks no arrival"),
        "{text}"
    );
}

#[test]
fn notes_alone_pass_unless_strict() {
    let notes = fixtures().join("tiled/notes.tmx");
    let (ok, text) = check_map(std::slice::from_ref(&notes));
    assert!(ok, "a map with notes only loads:\n{text}");
    assert!(
        text.contains("notes.tmx: ok") && text.contains("6 notes (loaded;"),
        "{text}"
    );
    let (ok, text) = check_map_with(&["--strict"], &[notes]);
    assert!(!ok, "--strict fails on notes:\n{text}");
}

#[test]
fn check_map_passes_the_demo_expo() {
    let maps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/maps");
    let (ok, text) = check_map(&[maps.join("lobby.tmx")]);
    assert!(ok, "the demo maps are fine:\n{text}");
    // The lobby's portals bring the other halls into the check.
    assert!(
        text.contains("hall.tmx: ok") && text.contains("ceremony.tmx: ok"),
        "{text}"
    );
}

#[test]
fn the_server_refuses_to_start_on_a_broken_maps_folder() {
    let dir = std::env::temp_dir().join(format!("madang-broken-maps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let broken = std::fs::read_to_string(fixtures().join("spawn_in_wall.tmx"))
        .expect("fixture")
        .replace(
            "../../../assets/tilesets/expo.tsx",
            &format!("{}/../assets/tilesets/expo.tsx", env!("CARGO_MANIFEST_DIR")),
        );
    std::fs::write(dir.join("lobby.tmx"), broken).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_madang-server"))
        .args([
            "--maps",
            dir.to_str().expect("utf-8 path"),
            "--udp",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken map stops the start");
    assert!(
        text.contains("not started") && text.contains("inside a wall"),
        "{text}"
    );
}
