//! The tracing subscriber of the binary: events go to stderr, so stdout stays machine-readable.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// The filter for `-v` repeated `verbose` times, when `RUST_LOG` is not set.
pub fn default_directive(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    }
}

/// Installs the global subscriber. `RUST_LOG`, when set and not empty, replaces the level that
/// `-v` chose; an invalid `RUST_LOG` is reported on stderr and the `-v` level is used.
pub fn init(verbose: u8, format: LogFormat) {
    let fallback = default_directive(verbose);
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("warning: ignoring RUST_LOG={spec:?}: {e}");
            EnvFilter::new(fallback)
        }),
        _ => EnvFilter::new(fallback),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_v_raises_the_level_up_to_trace() {
        let levels: Vec<&str> = (0..5).map(default_directive).collect();
        assert_eq!(levels, ["warn", "info", "debug", "trace", "trace"]);
    }
}
