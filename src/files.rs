//! Reading inputs and writing files, safely: karplint runs on untrusted pull requests, so
//! what it reads and where it writes are decided here, once (see SECURITY.md).
//!
//! - Only regular files are read; FIFOs, devices and sockets are refused before they are
//!   opened (a FIFO would block forever, `/dev/zero` would never end), and nothing under
//!   the kernel's pseudo file systems (`/proc`, `/sys`, `/dev`) is read, whatever link
//!   leads there.
//! - Every read is capped ([`DEFAULT_MAX_FILE_SIZE`], `--max-file-size`), standard input too.
//! - Writes go to an unpredictable, exclusively created temporary file beside the target,
//!   then replace it; targets that cannot be replaced faithfully (devices, FIFOs, hard-linked
//!   files, files whose owner cannot be kept) are written in place instead.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest input read, per file and for standard input: far above any real manifest
/// (the biggest in the corpus is 8 MB), far below what would exhaust a CI runner.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// Kernel pseudo file systems: their "files" are the process environment, devices and
/// live kernel state, never manifests.
const PSEUDO_FILE_SYSTEMS: &[&str] = &["/proc", "/sys", "/dev"];

/// Whether `path` (resolved) lies on a kernel pseudo file system.
pub fn is_pseudo_file_system(path: &Path) -> bool {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    PSEUDO_FILE_SYSTEMS
        .iter()
        .any(|root| resolved.starts_with(root))
}

/// What a non-regular file is, for messages.
fn kind_of(metadata: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = metadata.file_type();
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Refuses a path given by name (on the command line, as `--context`, `--config` or a
/// baseline) that resolves onto a kernel pseudo file system. Checked once where a path
/// comes in, not per file read: a walk only yields files under its root, and follows links
/// only when they stay under it.
pub fn refuse_pseudo_file_system(path: &Path) -> io::Result<()> {
    // Devices, FIFOs and sockets are refused by their kind when read, more precisely.
    let file_or_dir = std::fs::metadata(path).is_ok_and(|m| m.is_file() || m.is_dir());
    if file_or_dir && is_pseudo_file_system(path) {
        return Err(refused(
            "on a kernel pseudo file system (/proc, /sys, /dev); not read".to_string(),
        ));
    }
    Ok(())
}

/// [`read_regular`] of a file given by name: see [`refuse_pseudo_file_system`].
pub fn read_named(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_named_checked(path, limit).map(|(bytes, _)| bytes)
}

/// [`read_named`], with the metadata of [`read_regular_checked`].
pub fn read_named_checked(path: &Path, limit: u64) -> io::Result<(Vec<u8>, Metadata)> {
    refuse_pseudo_file_system(path)?;
    read_regular_checked(path, limit)
}

/// Reads a regular file, at most `limit` bytes (more is an error, not a truncation).
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_regular_checked(path, limit).map(|(bytes, _)| bytes)
}

/// [`read_regular`], with the metadata the file was checked with before it was opened
/// (its time is from before the read).
pub fn read_regular_checked(path: &Path, limit: u64) -> io::Result<(Vec<u8>, Metadata)> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(refused(format!(
            "{}; only regular files are read",
            kind_of(&metadata)
        )));
    }
    let bytes = read_capped(open_without_waiting(path)?, limit, metadata.len())?;
    Ok((bytes, metadata))
}

/// Opens `path` for reading without waiting on it: were a FIFO swapped in since it was
/// checked, opening and reading it return at once (empty, or an error) instead of
/// blocking, and the read is capped whatever it is. (One `statx` a file: checking the
/// opened file again would be the second.)
fn open_without_waiting(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// Reads standard input (or any stream), at most `limit` bytes.
pub fn read_stream(stream: &mut dyn Read, limit: u64) -> io::Result<Vec<u8>> {
    read_capped(stream, limit, 0)
}

fn read_capped(stream: impl Read, limit: u64, size_hint: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(size_hint.min(limit) as usize);
    stream
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "larger than the {} limit; not read (raise it with --max-file-size)",
                describe_size(limit)
            ),
        ));
    }
    Ok(bytes)
}

/// A byte count as people write it: `256 MiB`, `512 KiB`, `100 bytes`.
pub fn describe_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// Parses a size for `--max-file-size`: bytes, or with a `K`/`M`/`G` suffix (powers of
/// 1024; `KiB`, `MB` and the like are accepted as the same).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(digits_end);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 256M, 1G, 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
    };
    number
        .checked_mul(1 << shift)
        .filter(|size| *size > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// Writes `bytes` to `path` so that readers see the old content or the new, never half.
///
/// A regular file is replaced through a temporary file created exclusively (unpredictable
/// name, `O_EXCL`) in its directory, which takes the old file's mode, owner and group. A
/// symbolic link stays a link: the file it resolves to is what is written. Targets a
/// rename would damage are written in place: devices, FIFOs and other special files (a
/// rename would replace the device node with a regular file), files with several hard
/// links (a rename would split them), and files whose owner this process cannot give the
/// replacement.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            // A dangling link must not be created through: only a new name is.
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(refused(
                    "a symbolic link to a file that does not exist; not written".to_string(),
                ));
            }
            path.to_path_buf()
        }
        Err(error) => return Err(error),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(metadata) => Some(metadata),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    if let Some(metadata) = &existing
        && (!metadata.is_file() || has_other_links(metadata))
    {
        return write_in_place(&target, bytes);
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".karplint-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    if let Some(metadata) = &existing {
        if !keep_owner(temp.as_file(), metadata) {
            drop(temp);
            return write_in_place(&target, bytes);
        }
        temp.as_file().set_permissions(metadata.permissions())?;
    }
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|error| error.error)?;
    Ok(())
}

/// Truncates and writes the file itself (what a shell's `>` does).
fn write_in_place(target: &PathBuf, bytes: &[u8]) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(unix)]
fn has_other_links(metadata: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink() > 1
}

#[cfg(not(unix))]
fn has_other_links(_metadata: &Metadata) -> bool {
    false
}

/// Gives the replacement the old file's owner and group. False when that is not possible
/// (the file belongs to someone else and we are not root): the caller writes in place.
#[cfg(unix)]
fn keep_owner(replacement: &File, old: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(new) = replacement.metadata() else {
        return false;
    };
    if new.uid() == old.uid() && new.gid() == old.gid() {
        return true;
    }
    std::os::unix::fs::fchown(replacement, Some(old.uid()), Some(old.gid())).is_ok()
}

#[cfg(not(unix))]
fn keep_owner(_replacement: &File, _old: &Metadata) -> bool {
    true
}

/// An I/O error in plain words, without Rust's `(os error N)` suffix.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            }
        }
    }
}

/// Whether `path` is written as lexically as it can be, so that normalising it (kustomize's
/// `lexical_path`, discovery's) gives it back byte for byte: names only (after a root),
/// each separator single, none trailing. On Unix; elsewhere separators vary.
pub fn is_lexical(path: &Path) -> bool {
    if cfg!(not(unix)) {
        return false;
    }
    // On the bytes: splitting into `Component`s costs ten times as much.
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes.strip_prefix(b"/") {
        Some(b"") => true,
        Some(names) => are_names(names),
        None => are_names(bytes),
    }
}

/// Whether `bytes` are names (none empty, `.` or `..`) joined by single `/`s: looked at
/// only where a name starts, at the start and after each `/` (found by `memchr`, several
/// bytes at a time). Splitting the path was 870 instructions a path, called three times
/// for each file of a repository on every one-file run (7% of a warm one).
fn are_names(bytes: &[u8]) -> bool {
    let name_at = |start: usize| {
        !matches!(
            bytes.get(start..),
            None | Some(
                [] | [b'/', ..] | [b'.'] | [b'.', b'/', ..] | [b'.', b'.'] | [b'.', b'.', b'/', ..]
            )
        )
    };
    name_at(0) && memchr::memchr_iter(b'/', bytes).all(|slash| name_at(slash + 1))
}

/// Bytes serialised as one run (serde's `Vec<u8>` goes byte by byte: most of the time it
/// took to open the cache).
#[derive(Clone, Debug)]
pub struct Bytes(pub Vec<u8>);

impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_byte_buf<E>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}

/// An `OsString` serialised as its bytes (on Unix): serde writes an `OsString` as an enum
/// holding a sequence, read back a byte at a time (a twelfth of a warm one-file run went
/// to reading the paths in the facts cache that way).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OsBytes(pub std::ffi::OsString);

#[cfg(unix)]
impl serde::Serialize for OsBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use std::os::unix::ffi::OsStrExt;
        serializer.serialize_bytes(self.0.as_bytes())
    }
}

#[cfg(unix)]
impl<'de> serde::Deserialize<'de> for OsBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use std::os::unix::ffi::OsStringExt;
        let Bytes(bytes) = serde::Deserialize::deserialize(deserializer)?;
        Ok(OsBytes(std::ffi::OsString::from_vec(bytes)))
    }
}

#[cfg(not(unix))]
impl serde::Serialize for OsBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.0, serializer)
    }
}

#[cfg(not(unix))]
impl<'de> serde::Deserialize<'de> for OsBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <std::ffi::OsString as serde::Deserialize>::deserialize(deserializer).map(OsBytes)
    }
}

/// A file's modification time in nanoseconds since the epoch.
pub fn mtime(metadata: &std::fs::Metadata) -> Option<u128> {
    metadata.modified().ok().map(nanos)
}

pub fn nanos(time: std::time::SystemTime) -> u128 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
}

/// A 64-bit hash of `bytes`, stable across builds and platforms (std's hasher is not
/// promised to be), enough to tell a changed file or a damaged cache from an intact one.
/// Eight bytes a step: FNV-1a's byte a step was a tenth of a warm one-file run (checking
/// the 6 MB cache) and 4 instructions for every byte a cold one reads. Each step is a
/// bijection of the word for any state, so a change confined to one word always shows.
pub fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |state: u64, word: [u8; 8]| {
        let mixed = (state ^ u64::from_le_bytes(word)).wrapping_mul(K);
        mixed ^ (mixed >> 29)
    };
    let mut state = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut word = [0u8; 8];
    for chunk in &mut chunks {
        word.copy_from_slice(chunk);
        state = step(state, word);
    }
    // The length is in the state: the tail's padding is no ambiguity.
    let rest = chunks.remainder();
    word = [0u8; 8];
    word[..rest.len()].copy_from_slice(rest);
    state = step(state, word);
    // MurmurHash3's finaliser: every bit of the state reaches every bit of the hash.
    state = (state ^ (state >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    state = (state ^ (state >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    state ^ (state >> 33)
}

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not promised to
/// be), and enough to tell a changed file or a damaged cache from an intact one.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn names_are_what_splitting_at_slashes_finds(path in "[./a]{0,12}") {
            let bytes = path.as_bytes();
            let split = !bytes.is_empty()
                && bytes
                    .split(|&byte| byte == b'/')
                    .all(|name| !name.is_empty() && name != b"." && name != b"..");
            proptest::prop_assert_eq!(are_names(bytes), split, "{:?}", path);
        }
    }

    /// What a FIFO swapped in for a checked file gives: opened and read at once, never a
    /// read that waits for a writer.
    #[cfg(unix)]
    #[test]
    fn a_fifo_opened_as_a_checked_file_is_read_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("swapped.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (sent, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let read = open_without_waiting(&fifo).and_then(|f| read_capped(f, 1024, 0));
            let _ = sent.send(read.map(|bytes| bytes.len()));
        });
        let read = received.recv_timeout(std::time::Duration::from_secs(10));
        assert!(matches!(read, Ok(Ok(0))), "{read:?}");
    }

    #[cfg(unix)]
    #[test]
    fn os_strings_serialise_as_their_bytes_and_read_back() {
        use std::os::unix::ffi::OsStringExt;
        for bytes in [
            b"a/b.yaml".to_vec(),
            Vec::new(),
            vec![b'x', 0xff, 0xfe, b'/'],
        ] {
            let name = OsBytes(std::ffi::OsString::from_vec(bytes.clone()));
            let written = postcard::to_allocvec(&name).unwrap();
            assert_eq!(written[1..], bytes[..]);
            assert_eq!(postcard::from_bytes::<OsBytes>(&written).unwrap(), name);
            assert!(
                postcard::from_bytes::<OsBytes>(&written[..written.len() / 2]).is_err()
                    || bytes.is_empty()
            );
        }
    }

    #[test]
    fn any_one_byte_changed_or_added_changes_the_hash() {
        let text: Vec<u8> = (0..=40u8).collect();
        let whole = hash(&text);
        let mut seen = std::collections::HashSet::new();
        for at in 0..text.len() {
            for bit in 0..8 {
                let mut changed = text.clone();
                changed[at] ^= 1 << bit;
                assert!(seen.insert(hash(&changed)), "{at} {bit}");
            }
            assert_ne!(hash(&text[..at]), whole, "{at}");
        }
        assert!(!seen.contains(&whole));
        // Zeros added at the end are a change too.
        assert_ne!(hash(b"ab"), hash(b"ab\0"));
        assert_ne!(hash(b""), hash(b"\0"));
    }

    #[test]
    fn sizes_parse_and_print_in_binary_units() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert_eq!(describe_size(DEFAULT_MAX_FILE_SIZE), "256 MiB");
        assert_eq!(describe_size(1000), "1000 bytes");
    }

    #[test]
    fn reads_are_capped() {
        let big = [b'a'; 100];
        assert_eq!(read_stream(&mut &big[..], 100).unwrap().len(), 100);
        let error = read_stream(&mut &big[..], 99).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
    }
}
