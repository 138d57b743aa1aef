#![no_main]
//! Reading any JSON value as a cluster registry Secret must return a cluster or an error naming
//! a field, never panic; a cluster it accepts writes back to a Secret that reads back to the same
//! cluster.
//!
//! The input is JSON text, read as a whole Secret; to reach the deep checks more often, the same
//! value is also tried as the `data` of an otherwise valid Secret of each credential type.

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use vela_multicluster::registry::Cluster;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check(&value);
    for kind in ["X509Certificate", "ServiceAccountToken", "Embedded"] {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "m", "labels": {"cluster.core.oam.dev/cluster-credential-type": kind}},
            "data": value});
        check(&secret);
    }
});

fn check(secret: &Value) {
    match Cluster::parse(secret) {
        Ok(cluster) => {
            let back = Cluster::parse(&cluster.to_secret()).expect("a parsed cluster's Secret parses");
            assert_eq!(back, cluster, "to_secret round trip changed the cluster");
        }
        Err(e) => assert!(!e.field.is_empty(), "an error names a field: {e}"),
    }
}
