//! Closedness groups of a struct node: a handful per node, kept in a small ordered map.

use smallvec::SmallVec;

use super::node::Group;

/// Groups by id, in the order they were first seen (a node rarely has more than two).
#[derive(Default)]
pub(crate) struct GroupMap {
    entries: SmallVec<[(u32, Group); 1]>,
}

impl GroupMap {
    /// The group `g`, created empty if missing.
    pub(crate) fn get_or_default(&mut self, g: u32) -> &mut Group {
        let i = match self.entries.iter().position(|(id, _)| *id == g) {
            Some(i) => i,
            None => {
                self.entries.push((g, Group::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u32, &Group)> {
        self.entries.iter().map(|(g, info)| (g, info))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Group> {
        self.entries.iter().map(|(_, info)| info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_created_once_in_order() {
        let mut m = GroupMap::default();
        assert!(m.is_empty());
        m.get_or_default(7).open = true;
        m.get_or_default(3);
        assert!(m.get_or_default(7).open);
        assert_eq!(m.iter().map(|(g, _)| *g).collect::<Vec<_>>(), vec![7, 3]);
        assert_eq!(m.values().filter(|g| g.open).count(), 1);
    }
}
