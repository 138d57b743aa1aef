#![no_main]
//! Reading the hub's addon registry list from any ConfigMap text must return registries or an
//! error, never panic; so must reading each entry's helm or git settings and checking a git
//! registry's URL (no network: only the constructor runs).
//!
//! Laws: a git source's settings read back to the same source; an entry as shown never carries
//! a git token; moving an inline token into its Secret leaves no token in the entry and the
//! Secret gives the token back.

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use vela_addons::git::{GitRegistry, GitSource, Options};
use vela_addons::registry::{from_configmap, token_from_secret};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cm = json!({"data": {"registries": text}});
    let Ok(registries) = from_configmap(Some(&cm)) else {
        return;
    };
    for mut r in registries.into_iter().take(16) {
        let _ = r.kind();
        let _ = r.helm_source();
        if let Some(Ok((kind, source))) = r.git_source() {
            if kind != "gitlab" {
                let back = GitSource::from_settings(&r.name, kind, &source.to_settings())
                    .expect("settings written read back");
                assert_eq!(back, source);
            }
            let _ = GitRegistry::new(&r.name, &source, &Options::default());
        }
        let shown = r.shown();
        for k in ["git", "gitee", "gitlab"] {
            assert!(shown[k].get("token").is_none(), "a token is shown");
        }
        let token = r.inline_token().map(str::to_string);
        if let Some(secret) = r.take_token_into_secret() {
            assert!(r.inline_token().is_none());
            assert_eq!(token_from_secret(&secret), token);
        }
    }
});
