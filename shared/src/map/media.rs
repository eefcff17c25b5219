//! Files a map names for visitors to see (photos, videos), kept inside the expo's assets
//! folder whatever the map says.

use std::path::{Path, PathBuf};

/// A media file named by a map (`raw`, relative to the map's `folder`), which must stay inside
/// the expo's assets folder: the folder above the maps' (`assets/` for `assets/maps/hall.tmx`).
/// Refused: absolute paths, paths that climb out with `..`, and files that lead out through a
/// symbolic link. A file that does not exist is the caller's to report.
pub fn media_path(folder: &Path, raw: &str) -> Result<PathBuf, String> {
    let root = folder.parent().unwrap_or(folder);
    let named = Path::new(raw);
    if named.has_root() || named.is_absolute() {
        return Err(format!(
            "`{raw}` is an absolute path: name media relative to the map's folder, inside the \
             expo's assets folder `{}`",
            root.display()
        ));
    }
    // Resolve `..` by the names alone, so that a file that does not exist yet is judged too.
    let lexical = normalize(&folder.join(named));
    let root_lexical = normalize(root);
    let ups = |p: &Path| {
        p.components()
            .filter(|c| *c == std::path::Component::ParentDir)
            .count()
    };
    if !lexical.starts_with(&root_lexical) || ups(&lexical) > ups(&root_lexical) {
        return Err(format!(
            "`{raw}` climbs out of the expo's assets folder `{}`",
            root.display()
        ));
    }
    let real_root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    if let (Ok(real), Ok(real_root)) = (lexical.canonicalize(), real_root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(format!(
            "`{raw}` leads out of the expo's assets folder `{}` (a link to {})",
            root.display(),
            real.display()
        ));
    }
    Ok(lexical)
}

/// The expo's assets folder for maps in `folder`: the folder above the maps'.
pub fn assets_root(folder: &Path) -> PathBuf {
    normalize(folder.parent().unwrap_or(folder))
}

/// A file's name inside the expo's assets folder `root` (`documents/a.pdf`), with `/` between
/// its parts, as the protocol names decks; `None` for a file outside it.
pub fn name_in_assets(root: &Path, path: &Path) -> Option<String> {
    let inside = normalize(path);
    let rest = inside.strip_prefix(normalize(root)).ok()?;
    let parts: Vec<&str> = rest
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `path` with `.` dropped and each `..` taking away the name before it (leading ones kept).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_stay_inside_the_expos_assets_folder() {
        let folder = Path::new("expo/assets/maps");
        assert_eq!(
            media_path(folder, "../photos/a.png"),
            Ok(PathBuf::from("expo/assets/photos/a.png"))
        );
        assert_eq!(
            media_path(folder, "b.mp4"),
            Ok(PathBuf::from("expo/assets/maps/b.mp4"))
        );
        for bad in ["../../secret.png", "../photos/../../x.png", "/etc/passwd"] {
            let e = media_path(folder, bad).expect_err(bad);
            assert!(e.contains(bad) && e.contains("expo/assets"), "{e}");
        }
        let relative = Path::new("../assets/maps");
        assert!(media_path(relative, "../videos/v.mp4").is_ok());
        assert!(media_path(relative, "../../../v.mp4").is_err());
        assert!(media_path(Path::new("maps"), "../../v.mp4").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_assets_folder_is_refused() {
        let base = std::env::temp_dir().join(format!("madang-media-{}", std::process::id()));
        let maps = base.join("assets/maps");
        std::fs::create_dir_all(&maps).expect("temp dir");
        std::fs::write(base.join("outside.png"), b"x").expect("write");
        let link = base.join("assets/photo.png");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(base.join("outside.png"), &link).expect("symlink");
        let e = media_path(&maps, "../photo.png").expect_err("a link out");
        assert!(e.contains("a link to"), "{e}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
