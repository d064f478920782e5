//! `--file`: a URL as is, or a local file sent inline as a `data:` URL.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use twill_api::models::FilePart;

use crate::failure::Failure;
use crate::local_input::{InputError, read_file};

/// The largest local file sent inline: a `data:` URL travels in the JSON
/// body, a third larger than the file.
pub const MAX_INLINE_BYTES: u64 = 10 * 1024 * 1024;

/// The file part for a `--file` value.
pub fn file_part(value: &str) -> Result<FilePart, Failure> {
    let is_url = ["https://", "http://", "data:"]
        .iter()
        .any(|scheme| value.starts_with(scheme));
    if is_url {
        let name = value
            .split(['?', '#'])
            .next()
            .and_then(|path| path.rsplit('/').next())
            .filter(|name| !name.is_empty() && !value.starts_with("data:"))
            .unwrap_or("attachment");
        return Ok(FilePart::new(name, media_type(name), value));
    }
    let path = Path::new(value);
    let cannot = |why: String| Failure::Usage(format!("cannot attach {value}: {why}"));
    let bytes = read_file(path, MAX_INLINE_BYTES).map_err(|error| match error {
        InputError::TooLarge(limit) => cannot(format!(
            "it is over the {limit}-byte limit for a file sent inline; upload it and pass its URL"
        )),
        other => cannot(other.to_string()),
    })?;
    let name = path
        .file_name()
        .map_or_else(|| "attachment".into(), |name| name.to_string_lossy());
    let media = media_type(&name);
    let url = format!("data:{media};base64,{}", STANDARD.encode(&bytes));
    Ok(FilePart::new(name.into_owned(), media, url))
}

/// The media type for a file name's extension; `application/octet-stream`
/// when it is not a common one.
pub fn media_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        "tar" => "application/x-tar",
        "rs" | "py" | "js" | "ts" | "go" | "java" | "c" | "h" | "toml" | "yaml" | "yml" => {
            "text/plain"
        }
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pass_through_and_local_files_go_inline() {
        let part = file_part("https://example.com/docs/spec.pdf?x=1").unwrap();
        assert_eq!(
            (part.filename.as_str(), part.media_type.as_str()),
            ("spec.pdf", "application/pdf")
        );
        assert_eq!(part.url, "https://example.com/docs/spec.pdf?x=1");

        let dir = std::env::temp_dir().join(format!("twill-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notes.txt");
        std::fs::write(&path, "hi").unwrap();
        let part = file_part(path.to_str().unwrap()).unwrap();
        assert_eq!(part.filename, "notes.txt");
        assert_eq!(part.url, "data:text/plain;base64,aGk=");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_a_usage_error_naming_it() {
        let error = file_part("/no/such/file.txt").unwrap_err();
        assert!(matches!(error, Failure::Usage(_)));
        assert!(error.to_string().contains("/no/such/file.txt"), "{error}");
    }

    #[test]
    fn a_local_file_goes_inline_as_a_base64_data_url() {
        let path = std::env::temp_dir().join(format!("twill-files-{}.txt", std::process::id()));
        std::fs::write(&path, b"foobar!").unwrap();
        let part = file_part(path.to_str().unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(part.media_type, "text/plain");
        assert_eq!(part.url, "data:text/plain;base64,Zm9vYmFyIQ==");
    }
}
