//! Files that hold the installation's secrets (the SQLite database with its
//! reader key, backups, exports, the first admin password): readable and
//! writable by their owner only, whatever the umask.

use std::fs::{self, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner read and write, nothing for anyone else.
const PRIVATE: u32 = 0o600;

/// Creates `path` empty and private; fails if it exists.
pub fn create_private(path: &Path) -> io::Result<fs::File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE)
        .open(path)
}

/// Makes an existing file private (a file made before this rule, or by a
/// shell's redirection); a missing one is left missing.
pub fn make_private(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o777 != PRIVATE => {
            fs::set_permissions(path, Permissions::from_mode(PRIVATE))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// A SQLite database and the files SQLite keeps beside it, made private;
/// the database is created empty first if it is missing, so that SQLite's
/// own files (which copy its mode) are private from the start.
pub fn private_database(path: &Path) -> io::Result<()> {
    if !path.exists() {
        match create_private(path) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    make_private(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        make_private(Path::new(&side))?;
    }
    Ok(())
}

/// Standard output, when it was redirected to a regular file (`chime export
/// > file`): made private. A pipe or a terminal is left as it is.
pub fn private_stdout() -> io::Result<()> {
    // Linux names the file behind a descriptor here; elsewhere there is
    // nothing to find, and nothing is done.
    make_private(Path::new("/proc/self/fd/1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn databases_and_their_side_files_end_up_private() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("chime.db");
        private_database(&db).expect("made");
        assert_eq!(mode(&db), 0o600);
        let wal = dir.path().join("chime.db-wal");
        fs::write(&wal, b"").expect("written");
        fs::set_permissions(&wal, Permissions::from_mode(0o644)).expect("chmod");
        fs::set_permissions(&db, Permissions::from_mode(0o644)).expect("chmod");
        private_database(&db).expect("tightened");
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&wal), 0o600);
        assert!(create_private(&db).is_err(), "never overwrites");
    }
}
