//! The examples' integration tests, in one binary (as cargo does: one link per crate).
//!
//! - [`examples`]: `app_check` and `app_builder` do what their docs say.

mod examples;
