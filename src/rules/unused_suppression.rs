//! KDS903: a suppression that matches no finding.
//!
//! No check here: these findings come from the suppression stage (`src/suppress.rs`), the
//! only place that sees what every suppression matched. Its registry entry is
//! `registry::KDS903`.
