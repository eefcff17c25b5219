//! PDF documents the expo shows (casebooks in booths and kiosks, slide decks on a stage screen):
//! where they may be, whether they open, how many pages they have and their table of contents.
//! Read with `hayro-syntax` (pure Rust, the parser under the `hayro` renderer the client draws
//! pages with), always with a size limit, on a thread of its own with a time limit and its
//! panics caught, so that a damaged or crafted file is an error and never a stall or a crash.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hayro_syntax::Pdf;
use hayro_syntax::object::{Array, Dict, MaybeRef, Object, ObjectIdentifier};

/// The largest PDF read, in bytes.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;
/// The longest a document may take to open (pages counted, contents listed).
pub const OPEN_LIMIT: Duration = Duration::from_secs(5);
/// The most entries of a table of contents kept (the rest are left out).
pub const MAX_OUTLINE: usize = 200;
/// The most pages a document may have to be shown.
pub const MAX_PAGES: usize = 10_000;

/// Why a document cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("{path} is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("{path} is not a PDF (it does not start with %PDF-)")]
    NotPdf { path: PathBuf },
    #[error("{path} is password-protected, which is not supported")]
    Encrypted { path: PathBuf },
    #[error("{path} is a damaged PDF: {why}")]
    Damaged { path: PathBuf, why: String },
    #[error("{path} took longer than {limit:?} to open")]
    TimedOut { path: PathBuf, limit: Duration },
}

/// One entry of a document's table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEntry {
    pub title: String,
    /// The page it leads to, from 1.
    pub page: u32,
    /// 0 for a top-level entry.
    pub depth: u8,
}

/// What is known of a document that opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub pages: u32,
    /// The title its metadata gives (empty if none).
    pub title: String,
    pub outline: Vec<OutlineEntry>,
}

/// A document's bytes, read with [`MAX_DOCUMENT_BYTES`] as the limit.
pub fn read_document(path: &Path) -> Result<Vec<u8>, DocumentError> {
    use std::io::Read;
    let read_err = |e: std::io::Error| DocumentError::Read {
        path: path.to_owned(),
        why: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(DocumentError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

/// Whether `bytes` start like a PDF (`%PDF-` within the first kilobyte, as readers allow).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// Opens a PDF's bytes: its pages and its table of contents. `path` is for the errors only.
/// Runs on the calling thread: see [`inspect_within`] for files from outside.
pub fn inspect_bytes(bytes: Vec<u8>, path: &Path) -> Result<DocumentInfo, DocumentError> {
    let pdf = open_pdf(bytes, path)?;
    let pages = pdf.pages();
    let ids: Vec<Option<ObjectIdentifier>> = pages.iter().map(|p| p.raw().obj_id()).collect();
    let title = pdf
        .metadata()
        .title
        .as_deref()
        .map(text_string)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Ok(DocumentInfo {
        pages: pages.len() as u32,
        title,
        outline: outline(&pdf, &ids),
    })
}

/// Parses a PDF's bytes, refusing what is not one, what is encrypted, and what has no page.
pub fn open_pdf(bytes: Vec<u8>, path: &Path) -> Result<Pdf, DocumentError> {
    if !looks_like_pdf(&bytes) {
        return Err(DocumentError::NotPdf {
            path: path.to_owned(),
        });
    }
    let pdf = Pdf::new(bytes).map_err(|e| match e {
        hayro_syntax::LoadPdfError::Decryption(_) => DocumentError::Encrypted {
            path: path.to_owned(),
        },
        other => DocumentError::Damaged {
            path: path.to_owned(),
            why: format!("{other:?}"),
        },
    })?;
    let pages = pdf.pages().len();
    if pages == 0 || pages > MAX_PAGES {
        return Err(DocumentError::Damaged {
            path: path.to_owned(),
            why: format!("{pages} pages (1 to {MAX_PAGES} can be shown)"),
        });
    }
    Ok(pdf)
}

/// [`read_document`] and [`inspect_bytes`] on a thread of their own, given up after `limit`
/// (the thread is left to finish alone) and with a panic inside the parser turned into
/// [`DocumentError::Damaged`].
pub fn inspect_within(path: &Path, limit: Duration) -> Result<DocumentInfo, DocumentError> {
    let owned = path.to_owned();
    within(path, limit, move || {
        let bytes = read_document(&owned)?;
        inspect_bytes(bytes, &owned)
    })
}

/// Runs `f` on a thread of its own with a time limit, a panic in it reported as damage.
pub fn within<T: Send + 'static>(
    path: &Path,
    limit: Duration,
    f: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T, DocumentError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("madang-pdf".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Err(DocumentError::Read {
            path: path.to_owned(),
            why: format!("no thread to read it on: {e}"),
        });
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(r)) => r,
        Ok(Err(p)) => Err(DocumentError::Damaged {
            path: path.to_owned(),
            why: format!("the reader failed: {}", crate::video::panic_text(&p)),
        }),
        Err(_) => Err(DocumentError::TimedOut {
            path: path.to_owned(),
            limit,
        }),
    }
}

/// The document's table of contents, depth first, with at most [`MAX_OUTLINE`] entries and
/// eight levels; entries whose destination is not a page of the document are left out.
fn outline(pdf: &Pdf, pages: &[Option<ObjectIdentifier>]) -> Vec<OutlineEntry> {
    let mut out = Vec::new();
    let xref = pdf.xref();
    let Some(catalog) = xref.get::<Dict<'_>>(xref.root_id()) else {
        return out;
    };
    let Some(root) = catalog.get::<Dict<'_>>("Outlines") else {
        return out;
    };
    // (the next item, its depth); `visited` bounds the walk whatever loops the file holds.
    let mut stack: Vec<(Dict<'_>, u8)> = Vec::new();
    if let Some(first) = root.get::<Dict<'_>>("First") {
        stack.push((first, 0));
    }
    let mut visited = 0usize;
    while let Some((item, depth)) = stack.pop() {
        visited += 1;
        if visited > MAX_OUTLINE * 4 || out.len() >= MAX_OUTLINE {
            break;
        }
        if let Some(next) = item.get::<Dict<'_>>("Next") {
            stack.push((next, depth));
        }
        if depth < 7
            && let Some(first) = item.get::<Dict<'_>>("First")
        {
            stack.push((first, depth + 1));
        }
        let title = item
            .get::<hayro_syntax::object::String<'_>>("Title")
            .map(|t| text_string(t.as_bytes()))
            .unwrap_or_default();
        let dest = item.get::<Array<'_>>("Dest").or_else(|| {
            item.get::<Dict<'_>>("A")
                .and_then(|a| a.get::<Array<'_>>("D"))
        });
        let page = dest.and_then(|d| match d.raw_iter().next()? {
            MaybeRef::Ref(r) => {
                let id: ObjectIdentifier = r.into();
                pages.iter().position(|p| *p == Some(id))
            }
            // A page number, as remote destinations give it.
            MaybeRef::NotRef(Object::Number(n)) => {
                let n = n.as_f64();
                (n >= 0.0 && (n as usize) < pages.len()).then_some(n as usize)
            }
            MaybeRef::NotRef(_) => None,
        });
        let title: String = title
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        if let Some(page) = page
            && !title.trim().is_empty()
        {
            out.push(OutlineEntry {
                title: title.trim().to_owned(),
                page: page as u32 + 1,
                depth,
            });
        }
    }
    out
}

/// A PDF text string: UTF-16BE with its byte-order mark, UTF-8 with its own (PDF 2.0), or
/// PDFDocEncoding, read as Latin-1 (the same for the letters that matter here).
pub fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

/// A document named in the expo (a deck on a screen, a file in the timetable), relative to the
/// expo's assets folder `root` (`documents/daegu.pdf`): no absolute path, no `..`, a `.pdf`
/// name, and no link leading out of the folder. Whether it exists is the caller's to find.
pub fn document_path(root: &Path, name: &str) -> Result<PathBuf, String> {
    let named = Path::new(name);
    if name.trim().is_empty() {
        return Err("a document needs a name".into());
    }
    if named.has_root()
        || named.is_absolute()
        || named
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!(
            "`{name}` must be a path inside the expo's assets folder, without `..`"
        ));
    }
    if !named
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
    {
        return Err(format!("`{name}` is not a .pdf file"));
    }
    let path = root.join(named);
    let real_root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    if let (Ok(real), Ok(real_root)) = (path.canonicalize(), real_root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(format!("`{name}` leads out of the expo's assets folder"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_stay_inside_the_assets_and_be_pdfs() {
        let root = Path::new("assets");
        assert!(document_path(root, "documents/a.pdf").is_ok());
        assert!(document_path(root, "documents/A.PDF").is_ok());
        assert!(document_path(root, "../secret.pdf").is_err());
        assert!(document_path(root, "/etc/passwd.pdf").is_err());
        assert!(document_path(root, "documents/./a.pdf").is_ok());
        assert!(document_path(root, "documents/a.txt").is_err());
        assert!(document_path(root, "").is_err());
    }

    #[test]
    fn what_is_not_a_pdf_is_said_so() {
        let p = Path::new("x.pdf");
        assert!(matches!(
            inspect_bytes(b"hello".to_vec(), p),
            Err(DocumentError::NotPdf { .. })
        ));
        assert!(matches!(
            inspect_bytes(b"%PDF-1.7\n garbage".to_vec(), p),
            Err(DocumentError::Damaged { .. })
        ));
    }

    #[test]
    fn text_strings_of_either_encoding() {
        assert_eq!(text_string(&[0xFE, 0xFF, 0xD5, 0x5C, 0xAE, 0x00]), "한글");
        assert_eq!(text_string(b"Cases"), "Cases");
    }
}
