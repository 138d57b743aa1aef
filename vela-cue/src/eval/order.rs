//! Field order of an evaluated struct, following CUE v0.14's topological field sort: every
//! struct literal contributes "declared before" edges between its labels; literals are visited in
//! source order; cycles and ties are broken by comparing label names.

use crate::hash::FxHashSet as HashSet;

use super::{Conj, ConjSrc, NO_HOST, NodeState};
use crate::ast::{Decl, Expr, ExprKind, Label, Op, StructLit};

/// No field index (a dynamic field not resolved yet).
const NONE: u32 = u32::MAX;

/// What one conjunct struct contributed to a node, for ordering.
pub(crate) struct StructInfo {
    /// Literal or reference position.
    pos: u32,
    ref_pos: bool,
    explicit: bool,
    /// Struct info whose literal embeds this one by a reference ([`NO_HOST`] if none).
    host: u32,
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
            host: c.host,
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
    /// The struct info whose literal embeds info `info` by a reference ([`NO_HOST`] if none).
    pub(crate) fn host(&self, info: usize) -> u32 {
        self.infos.get(info).map_or(NO_HOST, |i| i.host)
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
    /// Per struct info: the index of its last field.
    last: Vec<Option<usize>>,
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
    topo: TopoScratch,
}

/// Buffers of [`topo`].
#[derive(Default)]
struct TopoScratch {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    comp_of: Vec<u32>,
    stack: Vec<u32>,
    call: Vec<(u32, u32)>,
    /// Members of every component (each sorted by name), `comp_start` delimits them.
    members: Vec<u32>,
    comp_start: Vec<u32>,
    cedges: Vec<(u32, u32)>,
    cindeg: Vec<u32>,
    ready: Vec<u32>,
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
    // Position of each struct info, as CUE's toposort assigns it while visiting the fields in
    // order: the position of the declaration whose field comes last, or the position of the
    // reference that reached the struct. A literal that embeds a reference takes the
    // reference's position when a field reached through it comes last (ties go to the
    // embedded conjunct, which CUE visits after the literal's own).
    sc.metas.clear();
    sc.last.clear();
    for (i, info) in all.infos.iter().enumerate() {
        let last = info.labels(decls).map(|(a, _)| a).max();
        let pos = match (info.ref_pos, last) {
            (false, Some(_)) => info
                .labels(decls)
                .filter(|(a, _)| Some(*a) == last)
                .map(|(_, p)| p)
                .last()
                .unwrap_or(info.pos),
            _ => info.pos,
        };
        sc.metas.push((pos, info.has_dynamic, i));
        sc.last.push(last);
    }
    for i in 0..all.infos.len() {
        let host = all.infos[i].host as usize;
        if host == i || host >= all.infos.len() || all.infos[host].ref_pos {
            continue;
        }
        if let Some(l) = sc.last[i]
            && sc.last[host].is_none_or(|h| l >= h)
        {
            sc.metas[host].0 = sc.metas[i].0;
            sc.last[host] = Some(l);
        }
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
        topo(n, &name, sc);
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
    // where each field went, for iterating in the order fields were added
    let mut arc_order = vec![0u32; n];
    for (r, &i) in perm.iter().enumerate() {
        arc_order[i] = r as u32;
    }
    st.arc_order = Some(arc_order.into_boxed_slice());
    st.fields.permute(perm, seen);
}

/// The order of a node's fields as CUE v0.14 creates its arcs, which is the order a `for`
/// clause iterates them in (the export order can differ): the conjuncts that did not come through
/// a reference first, then those that did; in each literal, its fields in declaration order,
/// with the fields of embedded literals (also as operands of `&`) and the static fields of
/// comprehension bodies in place. The conjuncts added while evaluating (embedded references,
/// comprehension bodies) follow in the order they were added, walked the same way, then anything
/// else (dynamic labels) in the order it was evaluated.
pub(crate) fn arc_order(conjs: &[Conj], orig: usize, st: &NodeState) -> Vec<usize> {
    let (base, derived) = conjs.split_at(orig.min(conjs.len()));
    let n = st.fields.len();
    let inserted = |k: usize| -> usize {
        match &st.arc_order {
            Some(o) => o.get(k).map_or(k, |&i| i as usize),
            None => k,
        }
    };
    let mut out = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut push = |name: &str, out: &mut Vec<usize>| {
        if let Some(i) = st.fields.position(name)
            && !seen[i]
        {
            seen[i] = true;
            out.push(i);
        }
    };
    let first = base.iter().filter(|c| !c.ref_pos);
    let then = base.iter().filter(|c| c.ref_pos);
    for c in first.chain(then).chain(derived) {
        match &c.src {
            ConjSrc::Lit(lit, _) => walk_lit(lit, &mut |name| push(name, &mut out)),
            ConjSrc::Fields(fields) => {
                for (name, _) in fields.iter() {
                    push(name, &mut out)
                }
            }
            ConjSrc::Data(members) => {
                for (name, _) in members.iter() {
                    push(name, &mut out)
                }
            }
            ConjSrc::Validator(_) => {}
        }
    }
    for k in 0..n {
        let i = inserted(k);
        if i < n && !seen[i] {
            seen[i] = true;
            out.push(i);
        }
    }
    out
}

fn walk_lit(lit: &StructLit, f: &mut dyn FnMut(&str)) {
    for d in &lit.decls {
        match d {
            Decl::Field(fd) => {
                if let Label::Name(name) = &fd.label {
                    f(name)
                }
            }
            Decl::Embed(e) => walk_embed(e, f),
            Decl::Comprehension(c) => {
                for d in &c.body.decls {
                    if let Decl::Field(fd) = d
                        && let Label::Name(name) = &fd.label
                    {
                        f(name)
                    }
                }
            }
            Decl::Let(..) | Decl::Ellipsis(_) | Decl::Attr(_) => {}
        }
    }
}

fn walk_embed(e: &Expr, f: &mut dyn FnMut(&str)) {
    match &e.kind {
        ExprKind::Struct(lit) => walk_lit(lit, f),
        ExprKind::Binary(Op::And, a, b) => {
            walk_embed(a, f);
            walk_embed(b, f);
        }
        ExprKind::Paren(x) => walk_embed(x, f),
        _ => {}
    }
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
/// with the smallest sorted label list; the order goes to `sc.order`. Runs on the adjacency rows
/// (`sc.start`, `sc.adj`) that [`kahn`] built, with the scratch buffers only.
fn topo<'a>(n: usize, name: &dyn Fn(usize) -> &'a str, sc: &mut Scratch) {
    const UNSEEN: u32 = u32::MAX;
    let t = &mut sc.topo;
    t.index.clear();
    t.index.resize(n, UNSEEN);
    t.low.clear();
    t.low.resize(n, 0);
    t.on_stack.clear();
    t.on_stack.resize(n, false);
    t.comp_of.clear();
    t.comp_of.resize(n, UNSEEN);
    t.stack.clear();
    t.members.clear();
    t.comp_start.clear();
    t.comp_start.push(0);
    let mut counter = 0u32;
    for s in 0..n {
        if t.index[s] != UNSEEN {
            continue;
        }
        t.call.clear();
        t.call.push((s as u32, sc.start[s]));
        t.index[s] = counter;
        t.low[s] = counter;
        counter += 1;
        t.stack.push(s as u32);
        t.on_stack[s] = true;
        while let Some(&mut (v, ref mut ei)) = t.call.last_mut() {
            let v = v as usize;
            if *ei < sc.start[v + 1] {
                let w = sc.adj[*ei as usize] as usize;
                *ei += 1;
                if t.index[w] == UNSEEN {
                    t.index[w] = counter;
                    t.low[w] = counter;
                    counter += 1;
                    t.stack.push(w as u32);
                    t.on_stack[w] = true;
                    t.call.push((w as u32, sc.start[w]));
                } else if t.on_stack[w] {
                    t.low[v] = t.low[v].min(t.index[w]);
                }
            } else {
                t.call.pop();
                if let Some(&(u, _)) = t.call.last() {
                    t.low[u as usize] = t.low[u as usize].min(t.low[v]);
                }
                if t.low[v] == t.index[v] {
                    let c = (t.comp_start.len() - 1) as u32;
                    let from = t.members.len();
                    while let Some(w) = t.stack.pop() {
                        t.on_stack[w as usize] = false;
                        t.comp_of[w as usize] = c;
                        t.members.push(w);
                        if w as usize == v {
                            break;
                        }
                    }
                    t.members[from..].sort_by(|a, b| name(*a as usize).cmp(name(*b as usize)));
                    t.comp_start.push(t.members.len() as u32);
                }
            }
        }
    }
    // edges between components, without duplicates
    let c = t.comp_start.len() - 1;
    t.cedges.clear();
    for v in 0..n {
        for e in sc.start[v]..sc.start[v + 1] {
            let w = sc.adj[e as usize] as usize;
            let (a, b) = (t.comp_of[v], t.comp_of[w]);
            if a != b {
                t.cedges.push((a, b));
            }
        }
    }
    t.cedges.sort_unstable();
    t.cedges.dedup();
    t.cindeg.clear();
    t.cindeg.resize(c, 0);
    for &(_, b) in &t.cedges {
        t.cindeg[b as usize] += 1;
    }
    // a component's key is its sorted label list
    let members = &t.members;
    let starts = &t.comp_start;
    let key = |ci: u32| {
        members[starts[ci as usize] as usize..starts[ci as usize + 1] as usize]
            .iter()
            .map(|m| name(*m as usize))
    };
    t.ready.clear();
    t.ready
        .extend((0..c as u32).filter(|ci| t.cindeg[*ci as usize] == 0));
    sc.order.clear();
    while !t.ready.is_empty() {
        let mut best = 0;
        for k in 1..t.ready.len() {
            if key(t.ready[k]).lt(key(t.ready[best])) {
                best = k;
            }
        }
        let cur = t.ready.swap_remove(best);
        sc.order.extend(key_members(members, starts, cur));
        // the component's outgoing edges are a run of the sorted edge list
        let from = t.cedges.partition_point(|&(a, _)| a < cur);
        for &(_, nx) in t.cedges[from..].iter().take_while(|(a, _)| *a == cur) {
            t.cindeg[nx as usize] -= 1;
            if t.cindeg[nx as usize] == 0 {
                t.ready.push(nx);
            }
        }
    }
}

fn key_members<'m>(members: &'m [u32], starts: &[u32], c: u32) -> impl Iterator<Item = usize> + 'm {
    members[starts[c as usize] as usize..starts[c as usize + 1] as usize]
        .iter()
        .map(|m| *m as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first implementation of [`topo`] (vectors per node and component), kept as the
    /// reference the scratch-buffer version must match.
    fn reference_topo(names: &[&str], out: &[Vec<usize>]) -> Vec<usize> {
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

    #[test]
    fn topo_matches_the_reference_on_random_graphs() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let names: Vec<String> = (0..40).map(|i| format!("n{:02}", (i * 17) % 40)).collect();
        for _ in 0..300 {
            let n = 1 + next(30) as usize;
            let mut sc = Scratch::default();
            sc.bits.resize((n * n).div_ceil(64), 0);
            for _ in 0..next(3 * n as u64 + 1) {
                let (p, l) = (next(n as u64) as usize, next(n as u64) as usize);
                if p != l {
                    sc.add_edge(n, p, l);
                }
            }
            let refs: Vec<&str> = names[..n].iter().map(|s| s.as_str()).collect();
            let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
            for &(p, l) in &sc.edges {
                out[p as usize].push(l as usize);
            }
            let want = reference_topo(&refs, &out);
            let name = |i: usize| refs[i];
            kahn(n, &name, &mut sc);
            topo(n, &name, &mut sc);
            assert_eq!(sc.order, want, "edges {:?}", sc.edges);
        }
    }
}
