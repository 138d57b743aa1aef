//! The hasher of the evaluator's maps: foldhash's fast hasher with a fixed seed (labels are short
//! strings, node ids small integers; nothing here is keyed by untrusted input an attacker could
//! use to flood one bucket, and a fixed seed keeps every run's map order the same).

/// Build-hasher of the evaluator's maps.
pub type FxBuild = foldhash::fast::FixedState;
/// `HashMap` with [`FxBuild`].
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
/// `HashSet` with [`FxBuild`].
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;
