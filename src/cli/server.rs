//! `karplint server`: the language server (see [`crate::server`]), on standard input and
//! output; the protocol owns them, so problems go to stderr.

use std::io::Write;

use super::plumbing::{EXIT_CLEAN, EXIT_ERROR};

pub(super) fn server(stderr: &mut dyn Write) -> u8 {
    match crate::server::run() {
        Ok(()) => EXIT_CLEAN,
        Err(error) => {
            let _ = writeln!(stderr, "karplint server: {error}");
            EXIT_ERROR
        }
    }
}
