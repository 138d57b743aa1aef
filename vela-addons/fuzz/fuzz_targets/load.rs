#![no_main]
//! Loading and rendering an addon from any input must return an addon or an error, never panic.
//!
//! The input is either a `.tgz` package (it starts with gzip's magic bytes `1f 8b`), loaded with
//! `Addon::from_tgz` under small bounds, or a set of files separated by NUL bytes: the first is
//! `metadata.yaml`, each other is `path\ntext`. An addon that loads is rendered with no
//! arguments and with `clusters` set.
//!
//! Laws: `Meta::from_json(meta.to_json())` gives the same metadata back; a loaded addon's name
//! and version are not empty; a rendered Application is `addon-<name>` in `vela-system`.

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use vela_addons::{Addon, File, Limits, Meta, RenderOptions};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 256 << 10,
        max_files: 64,
        max_depth: 8,
    };
    let addon = if data.starts_with(&[0x1f, 0x8b]) {
        Addon::from_tgz(data, "fuzz.tgz", limits)
    } else {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let mut parts = text.split('\0');
        let meta = parts.next().unwrap_or_default();
        if let Ok(m) = Meta::parse(meta) {
            assert_eq!(Meta::from_json(&m.to_json()).expect("round trip"), m);
        }
        let mut files = vec![File {
            path: "metadata.yaml".into(),
            text: meta.into(),
        }];
        for part in parts.take(16) {
            let (path, text) = part.split_once('\n').unwrap_or((part, ""));
            files.push(File {
                path: path.into(),
                text: text.into(),
            });
        }
        Addon::from_files(files)
    };
    let Ok(addon) = addon else {
        return;
    };
    assert!(!addon.meta.name.is_empty() && !addon.meta.version.is_empty());
    for opts in [
        RenderOptions::default(),
        RenderOptions::default().arg("clusters", json!(["a", "local"])),
    ] {
        if let Ok(r) = addon.render(&opts) {
            assert_eq!(r.application["metadata"]["name"], format!("addon-{}", addon.meta.name));
            assert_eq!(r.application["metadata"]["namespace"], "vela-system");
            let _ = r.dry_run_text();
        }
    }
});
