//! The guarded HTTP client's settings for an addon registry, shared by helm and git
//! registries: a few checked redirects, a response cap, a timeout, and (only when the user
//! allows it) the registry's own host let through the private-address guard.

use std::time::Duration;

/// The settings for a registry whose own host is `host` (see the unit test below).
///
/// # Errors
/// The guard's message when `allow_private` is set and `host` is not a host it can allow.
pub(crate) fn registry_config(
    host: &str,
    allow_private: bool,
    max_bytes: usize,
    timeout: Duration,
) -> Result<vela_http::Config, String> {
    let mut config = vela_http::Config::default()
        .with_max_redirects(5)
        .with_max_response_bytes(max_bytes)
        .with_timeout(timeout);
    if allow_private {
        config.allow.push(host.parse()?);
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_allowed_registry_host_is_let_through() {
        let t = Duration::from_secs(1);
        assert!(registry_config("10.0.0.5", false, 1, t).unwrap().allow.is_empty());
        assert_eq!(registry_config("10.0.0.5", true, 1, t).unwrap().allow.len(), 1);
    }
}
