//! Reading files whose size and kind someone else controls (a repository's packs and
//! `.lore.toml`, a path an agent names): only regular files, and only up to a limit, so that
//! `/dev/zero`, a FIFO or a 10 GB file cannot hang or exhaust the process.

use std::io::Read;
use std::path::Path;

/// The largest lesson pack read (the built-in packs are under 100 KB each).
pub const MAX_PACK_BYTES: u64 = 4 * 1024 * 1024;
/// The largest trigger-query file a pack may name.
pub const MAX_QUERY_BYTES: u64 = 256 * 1024;
/// The largest `.lore.toml`.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// The text of `path` if it is a regular file of at most `max_bytes` bytes of UTF-8.
pub fn read_text(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len(), max_bytes));
    }
    // The file may grow between the look and the read: read one byte past the limit at most.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    String::from_utf8(bytes).map_err(|error| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {error}"),
        )
    })
}

fn too_large(size: u64, max_bytes: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{size} bytes, over the limit of {max_bytes}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_large_and_binary_files_are_refused_with_why() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.toml");
        std::fs::write(&small, "x = 1\n").unwrap();
        assert_eq!(read_text(&small, 100).unwrap(), "x = 1\n");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "x".repeat(101)).unwrap();
        assert_eq!(
            read_text(&big, 100).unwrap_err().to_string(),
            "101 bytes, over the limit of 100"
        );
        let binary = dir.path().join("b.toml");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&binary, 100)
                .unwrap_err()
                .to_string()
                .starts_with("not UTF-8")
        );
        assert_eq!(
            read_text(Path::new("/dev/zero"), 100)
                .unwrap_err()
                .to_string(),
            "not a regular file"
        );
        assert_eq!(
            read_text(dir.path(), 100).unwrap_err().to_string(),
            "not a regular file"
        );
    }
}
