#![no_main]
//! The parser must never panic, whatever the input.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = vela_cue::syntax::check_file("fuzz.cue", src);
        let _ = vela_cue::syntax::check_expression(src);
    }
});
