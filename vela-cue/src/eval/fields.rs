//! The field slots of a struct node, in insertion order until the node is expanded, then in
//! export order.
//!
//! Most structs have a handful of fields: they are found by comparing names along one vector
//! (one allocation per node, no hashing). A struct with more than [`INDEXED`] fields also keeps a
//! name index.

use crate::ast::Name;
use crate::hash::FxHashMap;

use super::Slot;

/// Structs with more fields than this keep a hash index of their names.
const INDEXED: usize = 16;

/// Field slots by name, in order.
#[derive(Default)]
pub(crate) struct FieldMap {
    entries: Vec<(Name, Slot)>,
    /// Position of every name, kept once there are more than [`INDEXED`] entries.
    index: Option<FxHashMap<Name, u32>>,
}

impl FieldMap {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Position of field `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(name).map(|i| *i as usize),
            None => self
                .entries
                .iter()
                .position(|(k, _)| k.len() == name.len() && **k == *name),
        }
    }

    /// The slot of field `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Slot> {
        let i = self.position(name)?;
        self.entries.get(i).map(|(_, s)| s)
    }

    /// The slot of field `name`, mutable.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut Slot> {
        let i = self.position(name)?;
        self.entries.get_mut(i).map(|(_, s)| s)
    }

    /// The position, stored name and slot of field `name`.
    pub(crate) fn get_full_mut(&mut self, name: &str) -> Option<(usize, &Name, &mut Slot)> {
        let i = self.position(name)?;
        self.entries.get_mut(i).map(|(k, s)| (i, &*k, s))
    }

    /// The field at position `i`.
    pub(crate) fn get_index(&self, i: usize) -> Option<(&Name, &Slot)> {
        self.entries.get(i).map(|(k, s)| (k, s))
    }

    /// The position and slot of field `name`, added (empty, optional) when missing; true when
    /// it was added.
    pub(crate) fn slot(&mut self, name: Name) -> (usize, bool, &mut Slot) {
        let (i, fresh) = match self.position(&name) {
            Some(i) => (i, false),
            None => {
                let i = self.entries.len();
                if let Some(ix) = &mut self.index {
                    ix.insert(name.clone(), i as u32);
                }
                self.entries.push((name, Slot::new()));
                if self.index.is_none() && self.entries.len() > INDEXED {
                    self.reindex();
                }
                (i, true)
            }
        };
        (i, fresh, &mut self.entries[i].1)
    }

    /// Add field `name`, known to be missing; its position and slot.
    pub(crate) fn push_new(&mut self, name: Name) -> (usize, &mut Slot) {
        debug_assert!(self.position(&name).is_none(), "{name} is already a field");
        let i = self.entries.len();
        if let Some(ix) = &mut self.index {
            ix.insert(name.clone(), i as u32);
        }
        self.entries.push((name, Slot::new()));
        if self.index.is_none() && self.entries.len() > INDEXED {
            self.reindex();
        }
        (i, &mut self.entries[i].1)
    }

    /// The field at position `i` if it is stored under exactly `name` (the same shared name).
    pub(crate) fn at_mut(&mut self, i: usize, name: &Name) -> Option<&mut Slot> {
        match self.entries.get_mut(i) {
            Some((k, s)) if std::sync::Arc::ptr_eq(k, name) => Some(s),
            _ => None,
        }
    }

    /// Room for `n` more fields.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Fields in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Name, &Slot)> {
        self.entries.iter().map(|(k, s)| (k, s))
    }

    /// Names in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Name> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Slots in order, mutable.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.entries.iter_mut().map(|(_, s)| s)
    }

    /// Reorder in place so that position `r` holds the field that was at `perm[r]`; `perm` must
    /// be a permutation of the positions (`done` is a scratch buffer).
    pub(crate) fn permute(&mut self, perm: &[usize], done: &mut Vec<bool>) {
        let n = self.entries.len();
        debug_assert_eq!(perm.len(), n);
        done.clear();
        done.resize(n, false);
        for start in 0..n {
            if done[start] {
                continue;
            }
            // follow the cycle: each position takes the field its successor holds
            let mut cur = start;
            loop {
                done[cur] = true;
                let next = perm[cur];
                if next == start || next >= n || done[next] {
                    break;
                }
                self.entries.swap(cur, next);
                cur = next;
            }
        }
        if self.index.is_some() {
            self.reindex();
        }
    }

    fn reindex(&mut self) {
        let ix = self.index.get_or_insert_with(FxHashMap::default);
        ix.clear();
        ix.reserve(self.entries.len());
        for (i, (k, _)) in self.entries.iter().enumerate() {
            ix.insert(k.clone(), i as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: &FieldMap) -> Vec<String> {
        m.keys().map(|k| k.to_string()).collect()
    }

    #[test]
    fn slots_are_found_by_name_small_and_indexed() {
        for n in [3usize, 40] {
            let mut m = FieldMap::default();
            for i in 0..n {
                let (at, fresh, slot) = m.slot(format!("f{i}").into());
                assert_eq!((at, fresh), (i, true));
                slot.busy = true;
            }
            // adding an existing name finds its slot
            assert_eq!(m.slot("f1".into()).0, 1);
            assert!(!m.slot("f1".into()).1);
            assert_eq!(m.len(), n);
            assert!(m.position("f2").is_some() && m.position("g").is_none());
            assert!(m.get("f0").is_some_and(|s| s.busy));
            let (i, k, _) = m.get_full_mut(&format!("f{}", n - 1)).unwrap();
            assert_eq!((i, &**k), (n - 1, format!("f{}", n - 1).as_str()));
        }
    }

    #[test]
    fn new_fields_are_appended_and_found_again_by_position_and_name() {
        for n in [4usize, 20] {
            let mut m = FieldMap::default();
            let names: Vec<Name> = (0..n).map(|i| Name::from(format!("f{i}"))).collect();
            for (i, k) in names.iter().enumerate() {
                assert_eq!(m.push_new(k.clone()).0, i);
            }
            assert_eq!(m.position(&format!("f{}", n - 1)), Some(n - 1));
            assert!(m.at_mut(1, &names[1]).is_some());
            // the same text under another shared name is not the stored one
            assert!(m.at_mut(1, &Name::from("f1")).is_none());
            assert!(m.at_mut(n, &names[1]).is_none());
        }
    }

    #[test]
    fn permute_applies_the_order_and_keeps_the_index() {
        for n in [5usize, 30] {
            let mut m = FieldMap::default();
            for i in 0..n {
                m.slot(format!("f{i}").into());
            }
            // reverse, then rotate: position r gets the field at perm[r]
            let perm: Vec<usize> = (0..n).rev().collect();
            m.permute(&perm, &mut Vec::new());
            assert_eq!(
                names(&m),
                (0..n).rev().map(|i| format!("f{i}")).collect::<Vec<_>>()
            );
            let perm: Vec<usize> = (0..n).map(|r| (r + 1) % n).collect();
            m.permute(&perm, &mut Vec::new());
            let want: Vec<String> = (0..n).map(|r| format!("f{}", n - 1 - (r + 1) % n)).collect();
            assert_eq!(names(&m), want);
            for (i, k) in want.iter().enumerate() {
                assert_eq!(m.position(k), Some(i));
            }
        }
    }
}
