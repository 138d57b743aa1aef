//! Field order of an evaluated struct, following CUE v0.14's topological field sort: every
//! struct literal contributes "declared before" edges between its labels; literals are visited in
//! source order; cycles and ties are broken by comparing label names.

use crate::hash::FxHashSet as HashSet;

use super::{Conj, NodeState};

/// No field index (a dynamic field not resolved yet).
const NONE: u32 = u32::MAX;

/// What one conjunct struct contributed to a node, for ordering.
pub(crate) struct StructInfo {
    /// Literal or reference position.
    pos: u32,
    ref_pos: bool,
    explicit: bool,
    /// Its labels: the range `start..end` of [`Infos::decls`].
    start: u32,
    end: u32,
    has_dynamic: bool,
    /// Number of resolved labels in its range.
    named: u32,
}

/// A label in declaration order: (index in the node's fields, position, dynamic declaration
/// index); the field index is [`NONE`] for a dynamic field not (yet) resolved.
type LabelDecl = (u32, u32, u32);

/// The struct infos of one node being expanded, their labels in one buffer. Used only while the
/// node expands; the buffers are recycled between expansions (see `Ctx::expand`).
#[derive(Default)]
pub(crate) struct Infos {
    infos: Vec<StructInfo>,
    decls: Vec<LabelDecl>,
}

impl Infos {
    /// Start the info of conjunct `c`; its labels are pushed next (before another info starts).
    pub(crate) fn begin(&mut self, c: &Conj, labels: usize) -> usize {
        self.decls.reserve(labels);
        let at = self.decls.len() as u32;
        self.infos.push(StructInfo {
            pos: c.pos,
            ref_pos: c.ref_pos,
            explicit: c.explicit,
            start: at,
            end: at,
            has_dynamic: false,
            named: 0,
        });
        self.infos.len() - 1
    }
    /// Record the label of field number `field` (its index in the node's fields) in the latest
    /// info `info`.
    pub(crate) fn push_label(&mut self, info: usize, field: usize, pos: u32) {
        self.push(info, (field as u32, pos, NONE));
        if let Some(i) = self.infos.get_mut(info) {
            i.named += 1;
        }
    }
    /// Record a dynamic label (declaration `idx`) not resolved yet in the latest info `info`.
    pub(crate) fn push_dynamic(&mut self, info: usize, idx: u32, pos: u32) {
        self.push(info, (NONE, pos, idx));
    }
    fn push(&mut self, info: usize, d: LabelDecl) {
        debug_assert_eq!(info + 1, self.infos.len(), "labels go to the latest info");
        self.decls.push(d);
        if let Some(i) = self.infos.get_mut(info) {
            i.end = self.decls.len() as u32;
        }
    }
    /// The dynamic label of declaration `idx` of info `info` resolved to field number `field`.
    pub(crate) fn set_dynamic(&mut self, info: usize, idx: u32, field: usize) {
        let Some(i) = self.infos.get_mut(info) else {
            return;
        };
        let decls = &mut self.decls[i.start as usize..i.end as usize];
        if let Some(d) = decls.iter_mut().find(|d| d.2 == idx && d.0 == NONE) {
            d.0 = field as u32;
            i.has_dynamic = true;
            i.named += 1;
        }
    }
    /// Forget everything (keeping the buffers).
    pub(crate) fn clear(&mut self) {
        self.infos.clear();
        self.decls.clear();
    }
}

impl StructInfo {
    fn labels<'a>(&self, decls: &'a [LabelDecl]) -> impl Iterator<Item = (usize, u32)> + 'a {
        decls[self.start as usize..self.end as usize]
            .iter()
            .filter(|d| d.0 != NONE)
            .map(|d| (d.0 as usize, d.1))
    }
}

/// Buffers of [`sort_fields`], reused between the structs of one evaluation.
#[derive(Default)]
pub(crate) struct Scratch {
    metas: Vec<(u32, bool, usize)>,
    batches: Vec<(usize, usize)>,
    /// "Declared before" edges, deduplicated by a bit matrix (small structs) or a set.
    bits: Vec<u64>,
    set: HashSet<(u32, u32)>,
    edges: Vec<(u32, u32)>,
    owner: Vec<usize>,
    previous: Vec<usize>,
    next: Vec<usize>,
    start: Vec<u32>,
    indeg: Vec<u32>,
    fill: Vec<u32>,
    adj: Vec<u32>,
    ready: Vec<usize>,
    order: Vec<usize>,
    seen: Vec<bool>,
    perm: Vec<usize>,
}

/// Structs with at most this many fields deduplicate edges with a bit matrix.
const BIT_MATRIX_MAX: usize = 256;

impl Scratch {
    fn add_edge(&mut self, n: usize, p: usize, l: usize) {
        let fresh = if n > BIT_MATRIX_MAX {
            self.set.insert((p as u32, l as u32))
        } else {
            let b = p * n + l;
            let (w, m) = (b / 64, 1u64 << (b % 64));
            let fresh = self.bits[w] & m == 0;
            self.bits[w] |= m;
            fresh
        };
        if fresh {
            self.edges.push((p as u32, l as u32));
        }
    }
}

/// Reorder `st.fields` in CUE's export order.
pub(crate) fn sort_fields(st: &mut NodeState, all: &Infos, sc: &mut Scratch) {
    let decls = &all.decls;
    let n = st.fields.len();
    if !(2..=5000).contains(&n) {
        return;
    }
    // one contributing struct without dynamic labels: its declaration order is the insertion
    // order already (a dynamic field is inserted when its label is known, after the others)
    if all.infos.iter().filter(|i| i.named > 0).count() < 2 && !all.infos.iter().any(|i| i.has_dynamic) {
        return;
    }
    // position of each struct info: the declaration whose field index comes last
    sc.metas.clear();
    for (i, info) in all.infos.iter().enumerate() {
        let mut pos = info.pos;
        if !info.ref_pos {
            let mut best: Option<usize> = None;
            for (a, p) in info.labels(decls) {
                if best.is_none_or(|b| a >= b) {
                    best = Some(a);
                    pos = p;
                }
            }
        }
        sc.metas.push((pos, info.has_dynamic, i));
    }
    sc.metas
        .sort_by(|a, b| a.0.cmp(&b.0).then((a.1 as u8).cmp(&(b.1 as u8))));
    // batches of equal position (ranges of `metas`); consecutive explicit batches merge
    let infos = &all.infos;
    let metas_buf = std::mem::take(&mut sc.metas);
    let metas = &metas_buf;
    let explicit_of = |r: (usize, usize)| r.1 - r.0 > 1 || (r.1 - r.0 == 1 && infos[metas[r.0].2].explicit);
    let push_batch = |b: (usize, usize), batches: &mut Vec<(usize, usize)>| {
        if b.1 == b.0 {
            return;
        }
        if let Some(last) = batches.last_mut()
            && explicit_of(b)
            && explicit_of(*last)
        {
            last.1 = b.1;
        } else {
            batches.push(b);
        }
    };
    sc.batches.clear();
    let mut batch = (0usize, 0usize);
    let mut batch_pos = 0u32;
    for (k, &(pos, dynamic, _)) in metas.iter().enumerate() {
        if batch.1 == batch.0 || (batch_pos == pos && !dynamic) {
            if batch.1 == batch.0 {
                batch_pos = pos;
            }
            batch.1 = k + 1;
        } else {
            push_batch(batch, &mut sc.batches);
            batch_pos = pos;
            batch = (k, k + 1);
        }
    }
    push_batch(batch, &mut sc.batches);

    // graph over field indices
    sc.edges.clear();
    sc.set.clear();
    sc.bits.clear();
    if n <= BIT_MATRIX_MAX {
        sc.bits.resize((n * n).div_ceil(64), 0);
    }
    sc.owner.clear();
    sc.owner.resize(n, usize::MAX);
    sc.previous.clear();
    for bi in 0..sc.batches.len() {
        let b = sc.batches[bi];
        let explicit = explicit_of(b);
        sc.next.clear();
        for &(_, _, si) in &metas[b.0..b.1] {
            let info = &infos[si];
            // the chain starts at every field of the previous batch, then runs through the labels
            let mut last: Option<usize> = None;
            for (l, _) in info.labels(decls) {
                let skip = match sc.owner[l] {
                    o if o == si => true,
                    usize::MAX => false,
                    _ => !explicit,
                };
                if skip {
                    continue;
                }
                sc.owner[l] = si;
                match last {
                    None => {
                        for pi in 0..sc.previous.len() {
                            let p = sc.previous[pi];
                            if p != l {
                                sc.add_edge(n, p, l);
                            }
                        }
                    }
                    Some(p) => {
                        if p != l {
                            sc.add_edge(n, p, l);
                        }
                    }
                }
                last = Some(l);
            }
            match last {
                Some(l) => sc.next.push(l),
                None => {
                    let Scratch { previous, next, .. } = &mut *sc;
                    next.extend_from_slice(previous)
                }
            }
        }
        std::mem::swap(&mut sc.previous, &mut sc.next);
    }
    sc.metas = metas_buf;
    let fields = &st.fields;
    let name = |i: usize| -> &str { fields.get_index(i).map(|(k, _)| &**k).unwrap_or("") };
    if !kahn(n, &name, sc) {
        let names: Vec<&str> = (0..n).map(name).collect();
        let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(p, l) in &sc.edges {
            out_edges[p as usize].push(l as usize);
        }
        sc.order = topo(&names, &out_edges);
    }
    if sc.order.iter().enumerate().all(|(r, i)| r == *i) {
        return;
    }
    // the order as a permutation: anything the sort missed keeps its place at the end
    let Scratch {
        order, seen, perm, ..
    } = sc;
    seen.clear();
    seen.resize(n, false);
    perm.clear();
    for &i in order.iter() {
        if i < n && !seen[i] {
            seen[i] = true;
            perm.push(i);
        }
    }
    perm.extend((0..n).filter(|&i| !seen[i]));
    st.fields.permute(perm, seen);
}

/// Topological order of `sc.edges` into `sc.order` when the graph is acyclic, choosing the
/// ready label with the smallest name (what [`topo`] computes when every component is a single
/// label); false on a cycle.
fn kahn<'a>(n: usize, name: &dyn Fn(usize) -> &'a str, sc: &mut Scratch) -> bool {
    // adjacency in compressed rows
    sc.start.clear();
    sc.start.resize(n + 1, 0);
    sc.indeg.clear();
    sc.indeg.resize(n, 0);
    for &(p, l) in &sc.edges {
        sc.start[p as usize + 1] += 1;
        sc.indeg[l as usize] += 1;
    }
    for i in 0..n {
        sc.start[i + 1] += sc.start[i];
    }
    sc.fill.clear();
    sc.fill.extend_from_slice(&sc.start);
    sc.adj.clear();
    sc.adj.resize(sc.edges.len(), 0);
    for &(p, l) in &sc.edges {
        sc.adj[sc.fill[p as usize] as usize] = l;
        sc.fill[p as usize] += 1;
    }
    sc.order.clear();
    if n <= 64 {
        // few labels: pick the smallest ready name by a scan
        sc.ready.clear();
        sc.ready.extend((0..n).filter(|&i| sc.indeg[i] == 0));
        while !sc.ready.is_empty() {
            let mut best = 0;
            for k in 1..sc.ready.len() {
                if name(sc.ready[k]) < name(sc.ready[best]) {
                    best = k;
                }
            }
            let cur = sc.ready.swap_remove(best);
            sc.order.push(cur);
            for e in sc.start[cur]..sc.start[cur + 1] {
                let nx = sc.adj[e as usize] as usize;
                sc.indeg[nx] -= 1;
                if sc.indeg[nx] == 0 {
                    sc.ready.push(nx);
                }
            }
        }
    } else {
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(&str, usize)>> = (0..n)
            .filter(|&i| sc.indeg[i] == 0)
            .map(|i| std::cmp::Reverse((name(i), i)))
            .collect();
        while let Some(std::cmp::Reverse((_, cur))) = ready.pop() {
            sc.order.push(cur);
            for e in sc.start[cur]..sc.start[cur + 1] {
                let nx = sc.adj[e as usize] as usize;
                sc.indeg[nx] -= 1;
                if sc.indeg[nx] == 0 {
                    ready.push(std::cmp::Reverse((name(nx), nx)));
                }
            }
        }
    }
    sc.order.len() == n
}

/// Strongly connected components (Tarjan), then Kahn's algorithm choosing the ready component
/// with the smallest sorted label list.
fn topo(names: &[&str], out: &[Vec<usize>]) -> Vec<usize> {
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
                    comp.sort_by(|a, b| names[*a].cmp(names[*b]));
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
        .map(|c| c.iter().map(|i| names[*i]).collect())
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
