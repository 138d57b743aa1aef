//! Field order of an evaluated struct, following CUE v0.14's topological field sort: every
//! struct literal contributes "declared before" edges between its labels; literals are visited in
//! source order; cycles and ties are broken by comparing label names.

use crate::hash::FxHashMap as HashMap;

use super::{Conj, NodeState};
use crate::ast::Name;

/// What one conjunct struct contributed to a node, for ordering.
pub(crate) struct StructInfo {
    /// Literal or reference position.
    pos: u32,
    ref_pos: bool,
    explicit: bool,
    /// Labels in declaration order; `None` for a dynamic field not (yet) resolved.
    decls: Vec<(Option<Name>, u32, Option<u32>)>,
    has_dynamic: bool,
}

impl StructInfo {
    pub(crate) fn new(c: &Conj) -> StructInfo {
        StructInfo {
            pos: c.pos,
            ref_pos: c.ref_pos,
            explicit: c.explicit,
            decls: Vec::new(),
            has_dynamic: false,
        }
    }
    pub(crate) fn push_label(&mut self, name: Name, pos: u32) {
        self.decls.push((Some(name), pos, None));
    }
    pub(crate) fn push_dynamic(&mut self, idx: u32, pos: u32) {
        self.decls.push((None, pos, Some(idx)));
    }
    pub(crate) fn set_dynamic(&mut self, idx: u32, name: Name) {
        if let Some(d) = self.decls.iter_mut().find(|d| d.2 == Some(idx) && d.0.is_none()) {
            d.0 = Some(name);
            self.has_dynamic = true;
        }
    }
}

/// Reorder `st.fields` in CUE's export order.
pub(crate) fn sort_fields(st: &mut NodeState) {
    let n = st.fields.len();
    if !(2..=5000).contains(&n) {
        return;
    }
    // one contributing struct without dynamic labels: its declaration order is the insertion
    // order already (a dynamic field is inserted when its label is known, after the others)
    if st
        .infos
        .iter()
        .filter(|i| i.decls.iter().any(|d| d.0.is_some()))
        .count()
        < 2
        && !st.infos.iter().any(|i| i.has_dynamic)
    {
        return;
    }
    let arc: HashMap<&str, usize> = st.fields.keys().enumerate().map(|(i, k)| (&**k, i)).collect();
    // position of each struct info: the declaration whose arc comes last
    let mut metas: Vec<(u32, bool, usize)> = Vec::with_capacity(st.infos.len());
    for (i, info) in st.infos.iter().enumerate() {
        let mut pos = info.pos;
        if !info.ref_pos {
            let mut best: Option<usize> = None;
            for (name, p, _) in &info.decls {
                let Some(name) = name else { continue };
                let Some(a) = arc.get(&**name) else { continue };
                if best.is_none_or(|b| *a >= b) {
                    best = Some(*a);
                    pos = *p;
                }
            }
        }
        metas.push((pos, info.has_dynamic, i));
    }
    metas.sort_by(|a, b| a.0.cmp(&b.0).then((a.1 as u8).cmp(&(b.1 as u8))));
    // batches of equal position; consecutive explicit batches merge
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut batch: Vec<usize> = Vec::new();
    let explicit_of =
        |b: &Vec<usize>, st: &NodeState| b.len() > 1 || (b.len() == 1 && st.infos[b[0]].explicit);
    let push_batch = |b: Vec<usize>, batches: &mut Vec<Vec<usize>>| {
        if b.is_empty() {
            return;
        }
        if let Some(last) = batches.last_mut()
            && explicit_of(&b, st)
            && explicit_of(last, st)
        {
            last.extend(b);
        } else {
            batches.push(b);
        }
    };
    let mut batch_pos = 0u32;
    for (pos, dynamic, i) in metas {
        if batch.is_empty() || (batch_pos == pos && !dynamic) {
            if batch.is_empty() {
                batch_pos = pos;
            }
            batch.push(i);
        } else {
            push_batch(std::mem::take(&mut batch), &mut batches);
            batch_pos = pos;
            batch.push(i);
        }
    }
    push_batch(batch, &mut batches);

    // graph over label indices (arc order)
    let names: Vec<Name> = st.fields.keys().cloned().collect();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut edge_set: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    let mut owner: Vec<Option<usize>> = vec![None; n];
    let mut previous: Vec<usize> = Vec::new();
    for b in &batches {
        let explicit = explicit_of(b, st);
        let mut next: Vec<usize> = Vec::new();
        for &si in b {
            let info = &st.infos[si];
            let mut prev = previous.clone();
            let mut nxt: Vec<usize> = Vec::new();
            for (name, _, _) in &info.decls {
                let Some(name) = name else { continue };
                let Some(&l) = arc.get(&**name) else { continue };
                let skip = match owner[l] {
                    Some(o) if o == si => true,
                    Some(_) => !explicit,
                    None => false,
                };
                if skip {
                    continue;
                }
                owner[l] = Some(si);
                nxt.push(l);
                for &p in &prev {
                    if p != l && edge_set.insert((p, l)) {
                        out_edges[p].push(l);
                    }
                }
                prev = std::mem::take(&mut nxt);
            }
            next.extend(prev);
        }
        previous = next;
    }
    let order = topo(&names, &out_edges);
    if order.iter().enumerate().all(|(r, i)| r == *i) {
        return;
    }
    let mut entries: Vec<Option<(Name, super::Slot)>> =
        std::mem::take(&mut st.fields).into_iter().map(Some).collect();
    let mut fields = indexmap::IndexMap::with_capacity_and_hasher(n, Default::default());
    for i in order {
        if let Some((k, v)) = entries.get_mut(i).and_then(Option::take) {
            fields.insert(k, v);
        }
    }
    // anything the sort missed keeps its place at the end
    for (k, v) in entries.into_iter().flatten() {
        fields.insert(k, v);
    }
    st.fields = fields;
}

/// Strongly connected components (Tarjan), then Kahn's algorithm choosing the ready component
/// with the smallest sorted label list.
fn topo(names: &[Name], out: &[Vec<usize>]) -> Vec<usize> {
    let n = names.len();
    // Tarjan, iterative
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut comp_of = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    let mut counter = 0usize;
    for s in 0..n {
        if index[s] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(s, 0)];
        index[s] = counter;
        low[s] = counter;
        counter += 1;
        stack.push(s);
        on_stack[s] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if *ei < out[v].len() {
                let w = out[v][*ei];
                *ei += 1;
                if index[w] == usize::MAX {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp_of[w] = comps.len();
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_by(|a, b| names[*a].cmp(&names[*b]));
                    comps.push(comp);
                }
            }
        }
    }
    let c = comps.len();
    let mut indeg = vec![0usize; c];
    let mut cout: Vec<Vec<usize>> = vec![Vec::new(); c];
    for v in 0..n {
        for &w in &out[v] {
            let (a, b) = (comp_of[v], comp_of[w]);
            if a != b && !cout[a].contains(&b) {
                cout[a].push(b);
                indeg[b] += 1;
            }
        }
    }
    let keys: Vec<Vec<&str>> = comps
        .iter()
        .map(|c| c.iter().map(|i| &*names[*i]).collect())
        .collect();
    let mut ready: Vec<usize> = (0..c).filter(|ci| indeg[*ci] == 0).collect();
    let mut result = Vec::with_capacity(n);
    while !ready.is_empty() {
        ready.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
        let cur = ready.remove(0);
        result.extend(comps[cur].iter().copied());
        for &nx in &cout[cur] {
            indeg[nx] -= 1;
            if indeg[nx] == 0 {
                ready.push(nx);
            }
        }
    }
    result
}
