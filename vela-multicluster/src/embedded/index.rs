//! The indexes of the embedded cluster's state file, kept in the same transaction as the
//! objects they index: `owners` (which uids an object's ownerReferences name, so that the
//! dependents of an owner are found without a scan) and `labels` (the labels of the objects of
//! the kinds the engine selects by label, [`label_indexed`], so that such a selector reads only
//! the objects that carry its rarest label).
//!
//! A write that knows the object's previous state (from the store's copies) rewrites an index
//! only when what it indexes changed; otherwise it rewrites it from scratch. A state file of an
//! older layout has its indexes filled in when it is opened ([`migrate`]).

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde_json::Value;

use super::store_error;
use crate::{Key, Result};

/// The version of the state file's layout (`PRAGMA user_version`). 1: the `owners` table
/// indexes ownerReferences; 2: the `labels` table indexes labels; 3: of the kinds
/// [`label_indexed`] only. Files of an older version are brought up to date when opened.
pub(super) const LAYOUT_VERSION: i64 = 3;

/// Whether the labels of objects of `api_version` are indexed: KubeVela's own kinds
/// (`core.oam.dev`: ResourceTrackers, ApplicationRevisions, DefinitionRevisions, ...), which the
/// engine lists by label for every application it collects. A selector on another kind scans the
/// kind (in the namespace when given): indexing the labels of every delivered workload cost a
/// tenth of a delivery, for lists nothing at scale makes.
///
/// ```text
/// core.oam.dev/v1beta1 ResourceTracker  -> indexed
/// apps/v1 Deployment                    -> scanned
/// ```
pub(super) fn label_indexed(api_version: &str) -> bool {
    api_version.starts_with("core.oam.dev/")
}

/// How many rows of one label are counted at most to find a selector's rarest label: enough to
/// tell a label of one application from one every object carries, without counting the latter.
const SELECTIVITY_CAP: i64 = 64;

/// The ownerReferences' uids of `obj` (none when it is gone).
fn owner_uids(obj: Option<&Value>) -> impl Iterator<Item = &str> {
    obj.and_then(|o| o["metadata"]["ownerReferences"].as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["uid"].as_str())
}

/// The labels of `obj` with string values (none when it is gone).
fn labels(obj: Option<&Value>) -> impl Iterator<Item = (&String, &str)> {
    obj.and_then(|o| o["metadata"]["labels"].as_object())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k, v.as_str()?)))
}

/// What a write knows of the object it replaces, for the indexes.
#[derive(Clone, Copy)]
pub(super) enum Prior<'a> {
    /// Nothing was stored under the key.
    Absent,
    /// This was stored.
    Was(&'a Value),
    /// What was stored has the same labels and ownerReferences as what is written (a status or
    /// `deletionTimestamp` write): the indexes stay.
    Unchanged,
    /// Not known: the indexes are rewritten.
    Unknown,
}

/// Brings the indexes of the object under `key` from `prior` to `after`.
pub(super) fn write(conn: &Connection, key: &Key, prior: Prior<'_>, after: &Value) -> Result<()> {
    match prior {
        Prior::Absent => update(conn, key, Some(None), Some(after)),
        Prior::Was(before) => update(conn, key, Some(Some(before)), Some(after)),
        Prior::Unchanged => Ok(()),
        Prior::Unknown => update(conn, key, None, Some(after)),
    }
}

/// Brings the indexes of the object under `key` from `before` to `after` (`None`: absent).
/// `before` is `None` when the previous state is not known: the indexes are then rewritten.
pub(super) fn update(
    conn: &Connection,
    key: &Key,
    before: Option<Option<&Value>>,
    after: Option<&Value>,
) -> Result<()> {
    let owners_same = before.is_some_and(|b| owner_uids(b).eq(owner_uids(after)));
    if !owners_same {
        write_owners(
            conn,
            key,
            before.is_none_or(|b| owner_uids(b).next().is_some()),
            after,
        )?;
    }
    let labels_same = !label_indexed(&key.api_version) || before.is_some_and(|b| labels(b).eq(labels(after)));
    if !labels_same {
        write_labels(
            conn,
            key,
            before.is_none_or(|b| labels(b).next().is_some()),
            after,
        )?;
    }
    Ok(())
}

fn delete_rows(conn: &Connection, table: &str, key: &Key) -> Result<()> {
    conn.prepare_cached(&format!(
        "DELETE FROM {table} WHERE cluster = ?1 AND api_version = ?2 AND kind = ?3
         AND namespace = ?4 AND name = ?5"
    ))
    .and_then(|mut stmt| {
        stmt.execute(params![
            key.cluster,
            key.api_version,
            key.kind,
            key.namespace,
            key.name
        ])
    })
    .map_err(store_error)?;
    Ok(())
}

/// Rewrites the rows of `owners` for the object under `key` (`clear`: some may exist).
fn write_owners(conn: &Connection, key: &Key, clear: bool, obj: Option<&Value>) -> Result<()> {
    if clear {
        delete_rows(conn, "owners", key)?;
    }
    for owner in owner_uids(obj) {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO owners (cluster, api_version, kind, namespace, name, owner_uid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                key.cluster,
                key.api_version,
                key.kind,
                key.namespace,
                key.name,
                owner
            ])
        })
        .map_err(store_error)?;
    }
    Ok(())
}

/// Rewrites the rows of `labels` for the object under `key` (`clear`: some may exist). The
/// labels go to SQLite as one JSON object in one statement (`json_each`): a statement per label
/// cost a tenth of a delivery.
fn write_labels(conn: &Connection, key: &Key, clear: bool, obj: Option<&Value>) -> Result<()> {
    if clear {
        delete_rows(conn, "labels", key)?;
    }
    let strings: serde_json::Map<String, Value> = labels(obj)
        .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
        .collect();
    if strings.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO labels (cluster, api_version, kind, namespace, name, key, value)
         SELECT ?1, ?2, ?3, ?4, ?5, key, value FROM json_each(?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            key.cluster,
            key.api_version,
            key.kind,
            key.namespace,
            key.name,
            serde_json::to_string(&strings).unwrap_or_default()
        ])
    })
    .map_err(store_error)?;
    Ok(())
}

/// The label of `selector` the fewest objects of the kind carry (counted up to
/// [`SELECTIVITY_CAP`]); `None` for an empty selector.
fn rarest<'s>(
    conn: &Connection,
    cluster: &str,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    selector: &'s BTreeMap<String, String>,
) -> Result<Option<(&'s str, &'s str)>> {
    if selector.len() < 2 {
        return Ok(selector.iter().next().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    let mut best: Option<(i64, (&str, &str))> = None;
    for (label, value) in selector {
        let count: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM labels WHERE cluster = ?1
                 AND api_version = ?2 AND kind = ?3 AND key = ?5 AND value = ?6
                 AND (?4 IS NULL OR namespace = ?4) LIMIT ?7)",
            )
            .and_then(|mut stmt| {
                stmt.query_row(
                    params![
                        cluster,
                        api_version,
                        kind,
                        namespace,
                        label,
                        value,
                        SELECTIVITY_CAP
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(store_error)?;
        if best.is_none_or(|(n, _)| count < n) {
            best = Some((count, (label.as_str(), value.as_str())));
        }
        if count == 0 {
            break;
        }
    }
    Ok(best.map(|(_, label)| label))
}

/// The bodies of the objects of one kind (in one namespace when given) that carry the rarest
/// label of `selector` (`None` for an empty selector or a kind not [`label_indexed`]: the caller
/// scans the kind); the caller checks the selector's other labels.
pub(super) fn select(
    conn: &Connection,
    cluster: &str,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    selector: &BTreeMap<String, String>,
) -> Result<Option<Vec<Value>>> {
    if !label_indexed(api_version) {
        return Ok(None);
    }
    let Some((label, value)) = rarest(conn, cluster, api_version, kind, namespace, selector)? else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.body FROM labels l JOIN objects o ON o.cluster = l.cluster
             AND o.api_version = l.api_version AND o.kind = l.kind
             AND o.namespace = l.namespace AND o.name = l.name
             WHERE l.cluster = ?1 AND l.api_version = ?2 AND l.kind = ?3 AND l.key = ?5
             AND l.value = ?6 AND (?4 IS NULL OR l.namespace = ?4)",
        )
        .map_err(store_error)?;
    let rows = stmt
        .query_map(
            params![cluster, api_version, kind, namespace, label, value],
            |r| r.get::<_, String>(0),
        )
        .map_err(store_error)?;
    rows.map(|row| serde_json::from_str(&row.map_err(store_error)?).map_err(store_error))
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Brings the layout of a state file up to [`LAYOUT_VERSION`] (inside the caller's
/// transaction): version 1 fills `owners` from the objects that have ownerReferences, version 2
/// fills `labels` from the objects that have labels, version 3 keeps only the labels of the
/// kinds [`label_indexed`].
pub(super) fn migrate(conn: &Connection) -> Result<()> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(store_error)?;
    if current >= LAYOUT_VERSION {
        return Ok(());
    }
    if current == 2 {
        conn.execute(
            "DELETE FROM labels WHERE api_version NOT LIKE 'core.oam.dev/%'",
            [],
        )
        .map_err(store_error)?;
        return conn
            .pragma_update(None, "user_version", LAYOUT_VERSION)
            .map_err(store_error);
    }
    let mut stmt = conn
        .prepare(
            "SELECT cluster, api_version, kind, namespace, name, body FROM objects
             WHERE instr(body, '\"ownerReferences\"') > 0 OR instr(body, '\"labels\"') > 0",
        )
        .map_err(store_error)?;
    let mut rows = stmt.query([]).map_err(store_error)?;
    while let Some(row) = rows.next().map_err(store_error)? {
        let key = Key {
            cluster: row.get(0).map_err(store_error)?,
            api_version: row.get(1).map_err(store_error)?,
            kind: row.get(2).map_err(store_error)?,
            namespace: row.get(3).map_err(store_error)?,
            name: row.get(4).map_err(store_error)?,
        };
        let body: String = row.get(5).map_err(store_error)?;
        let obj: Value = serde_json::from_str(&body).map_err(store_error)?;
        if current < 1 {
            write_owners(conn, &key, true, Some(&obj))?;
        }
        if label_indexed(&key.api_version) {
            write_labels(conn, &key, true, Some(&obj))?;
        }
    }
    conn.pragma_update(None, "user_version", LAYOUT_VERSION)
        .map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const API: &str = "core.oam.dev/v1beta1";
    const KIND: &str = "ApplicationRevision";

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::SCHEMA).unwrap();
        conn
    }

    fn key(name: &str) -> Key {
        Key {
            cluster: String::new(),
            api_version: API.into(),
            kind: KIND.into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    fn put(conn: &Connection, name: &str, obj: &Value) {
        conn.execute(
            "INSERT OR REPLACE INTO objects VALUES ('', ?3, ?4, 'default', ?1, '', ?2, '{}')",
            params![name, obj.to_string(), API, KIND],
        )
        .unwrap();
    }

    fn label_rows(conn: &Connection, name: &str) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT key, value FROM labels WHERE name = ?1 ORDER BY key")
            .unwrap();
        stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn selector(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn labels_follow_the_object_whether_or_not_its_previous_state_is_known() {
        let conn = conn();
        let a = json!({"metadata": {"labels": {"app": "a", "tier": "web", "n": 1}}});
        update(&conn, &key("x"), Some(None), Some(&a)).unwrap();
        assert_eq!(
            label_rows(&conn, "x"),
            [("app".into(), "a".into()), ("tier".into(), "web".into())]
        );
        let b = json!({"metadata": {"labels": {"app": "b"}}});
        // unknown previous state: rewritten from scratch
        update(&conn, &key("x"), None, Some(&b)).unwrap();
        assert_eq!(label_rows(&conn, "x"), [("app".into(), "b".into())]);
        // known and unchanged: nothing to do, and nothing lost
        update(&conn, &key("x"), Some(Some(&b)), Some(&b)).unwrap();
        assert_eq!(label_rows(&conn, "x"), [("app".into(), "b".into())]);
        update(&conn, &key("x"), Some(Some(&b)), None).unwrap();
        assert!(label_rows(&conn, "x").is_empty());
    }

    #[test]
    fn a_selector_reads_only_objects_with_its_rarest_label() {
        let conn = conn();
        for i in 0..100 {
            let obj = json!({"metadata": {"name": format!("o{i}"),
                "labels": {"ns": "default", "app": format!("app-{}", i % 50)}}});
            put(&conn, &format!("o{i}"), &obj);
            update(&conn, &key(&format!("o{i}")), Some(None), Some(&obj)).unwrap();
        }
        let both = selector(&[("ns", "default"), ("app", "app-7")]);
        assert_eq!(
            rarest(&conn, "", API, KIND, Some("default"), &both).unwrap(),
            Some(("app", "app-7"))
        );
        let found = select(&conn, "", API, KIND, Some("default"), &both)
            .unwrap()
            .unwrap();
        let mut names: Vec<_> = found.iter().map(|o| o["metadata"]["name"].clone()).collect();
        names.sort_by_key(ToString::to_string);
        assert_eq!(names, [json!("o57"), json!("o7")]);
        let none = selector(&[("ns", "default"), ("app", "nope")]);
        assert_eq!(
            select(&conn, "", API, KIND, None, &none).unwrap().unwrap().len(),
            0
        );
        assert!(
            select(&conn, "", API, KIND, None, &BTreeMap::new())
                .unwrap()
                .is_none()
        );
        // another namespace holds none of them
        assert!(
            select(&conn, "", API, KIND, Some("other"), &both)
                .unwrap()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn only_kubevela_kinds_are_label_indexed_and_a_second_layout_file_drops_the_others() {
        let conn = conn();
        let cm = Key {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            ..key("c")
        };
        update(
            &conn,
            &cm,
            Some(None),
            Some(&json!({"metadata": {"labels": {"app": "a"}}})),
        )
        .unwrap();
        assert!(label_rows(&conn, "c").is_empty());
        let sel = selector(&[("app", "a")]);
        assert!(
            select(&conn, "", "v1", "ConfigMap", None, &sel)
                .unwrap()
                .is_none(),
            "scanned"
        );
        // a file of layout 2 indexed every kind: opened, it keeps only KubeVela's
        conn.execute_batch(
            "INSERT INTO labels VALUES ('', 'v1', 'ConfigMap', 'default', 'c', 'app', 'a');
             INSERT INTO labels VALUES ('', 'core.oam.dev/v1beta1', 'ApplicationRevision', 'default', 'r', 'app', 'a');
             PRAGMA user_version = 2;",
        )
        .unwrap();
        migrate(&conn).unwrap();
        assert!(label_rows(&conn, "c").is_empty());
        assert_eq!(label_rows(&conn, "r"), [("app".into(), "a".into())]);
    }

    #[test]
    fn migration_fills_the_indexes_of_an_older_file() {
        let conn = conn();
        let obj = json!({"metadata": {"labels": {"app": "a"},
            "ownerReferences": [{"uid": "u-1"}]}});
        put(&conn, "x", &obj);
        migrate(&conn).unwrap();
        assert_eq!(label_rows(&conn, "x"), [("app".into(), "a".into())]);
        let owners: i64 = conn
            .query_row("SELECT count(*) FROM owners WHERE owner_uid = 'u-1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(owners, 1);
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, LAYOUT_VERSION);
    }
}
