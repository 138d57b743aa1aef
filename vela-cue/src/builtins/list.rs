//! The `list` package, with the comparator structs `list.Ascending` and `list.Descending`.

use std::cmp::Ordering;

use super::R;
use super::args::{Args, list, record};
use super::math::decimal_result;
use crate::eval::Ctx;
use crate::num::Num;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "list.Avg",
    "list.Concat",
    "list.Contains",
    "list.Drop",
    "list.FlattenN",
    "list.IsSorted",
    "list.IsSortedStrings",
    "list.MatchN",
    "list.Max",
    "list.MaxItems",
    "list.Min",
    "list.MinItems",
    "list.Product",
    "list.Range",
    "list.Repeat",
    "list.Reverse",
    "list.Slice",
    "list.Sort",
    "list.SortStable",
    "list.SortStrings",
    "list.Sum",
    "list.Take",
    "list.UniqueItems",
];

/// The comparator structs of the package (CUE source, as in CUE's `list/sort.cue`).
pub(crate) const STRUCTS: &[(&str, &str)] = &[
    ("list.Comparer", "{T: _, x: T, y: T, less: bool}"),
    (
        "list.Ascending",
        "{T: number | string, x: T, y: T, less: bool & (x < y)}",
    ),
    (
        "list.Descending",
        "{T: number | string, x: T, y: T, less: bool & (x > y)}",
    ),
];

/// Elements beyond which a builtin refuses to build a list.
const MAX_ELEMS: usize = 1_000_000;

/// `cmp & {x: a, y: b}`'s `less`.
fn less(ctx: &Ctx, cmp: &Val, x: &Val, y: &Val) -> Result<bool, String> {
    let xy = record(ctx, vec![("x".into(), x.clone()), ("y".into(), y.clone())]);
    let Val::Struct(id) = ctx.resolve(ctx.unify(cmp.clone(), xy)) else {
        return Err("comparator must be a struct with fields x, y and less".into());
    };
    match ctx.field(id, "less").map(|(v, _)| ctx.resolve(v)) {
        Some(Val::Bool(b)) => Ok(b),
        Some(Val::Bottom(b)) => Err(b.msg.clone()),
        Some(v) => Err(format!("less: cannot use {} as bool", ctx.describe(&v))),
        None => Err("comparator has no field less".into()),
    }
}

/// A stable sort with a CUE comparator (Go's `sort.Stable`; a stable sort's result does not
/// depend on the algorithm).
fn sort_with(ctx: &Ctx, elems: Vec<Val>, cmp: &Val) -> Result<Vec<Val>, String> {
    let mut err = None;
    let mut v = elems;
    v.sort_by(|x, y| {
        if err.is_some() {
            return Ordering::Equal;
        }
        match (less(ctx, cmp, x, y), less(ctx, cmp, y, x)) {
            (Ok(true), _) => Ordering::Less,
            (Ok(false), Ok(true)) => Ordering::Greater,
            (Ok(false), Ok(false)) => Ordering::Equal,
            (Err(e), _) | (_, Err(e)) => {
                err = Some(e);
                Ordering::Equal
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

fn nums(a: &Args, i: usize) -> Result<Vec<Num>, String> {
    let ctx = a.ctx;
    a.elems(i)?
        .iter()
        .map(|v| match v.as_num() {
            Some(n) => Ok(n.into_owned()),
            None => Err(format!("cannot use {} as number", ctx.describe(v))),
        })
        .collect()
}

fn non_negative(n: i128, what: &str) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("negative {what}"))
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let err = |e: crate::num::Error| e.to_string();
    Ok(match name.strip_prefix("list.").unwrap_or(name) {
        "Avg" => {
            let ns = nums(&a, 0)?;
            if ns.is_empty() {
                return Err("empty list".into());
            }
            let mut acc = Num::from_i128(0);
            for n in &ns {
                acc = acc.add(n).map_err(err)?;
            }
            decimal_result(acc.quo(&Num::from_i128(ns.len() as i128)).map_err(err)?)
        }
        "Sum" | "Product" => {
            let product = name == "list.Product";
            let mut acc = Num::from_i128(if product { 1 } else { 0 });
            for n in nums(&a, 0)? {
                acc = if product { acc.mul(&n) } else { acc.add(&n) }.map_err(err)?;
            }
            decimal_result(acc)
        }
        "Max" | "Min" => {
            let mut it = nums(&a, 0)?.into_iter();
            let first = it.next().ok_or("empty list")?;
            let want = if name == "list.Max" {
                Ordering::Greater
            } else {
                Ordering::Less
            };
            decimal_result(it.fold(first, |b, n| if n.cmp_value(&b) == want { n } else { b }))
        }
        "Concat" => {
            a.want(1)?;
            let mut out = Vec::new();
            for l in a.elems(0)? {
                let l = super::arg_list(ctx, &l)?;
                out.extend(l.elems.iter().cloned());
                if out.len() > MAX_ELEMS {
                    return Err("list too long".into());
                }
            }
            list(out)
        }
        "Contains" => {
            a.want(2)?;
            let x = a.val(1)?;
            Val::Bool(a.elems(0)?.iter().any(|e| ctx.deep_eq(e, x) == Some(true)))
        }
        "Drop" => {
            let (l, n) = (a.list(0)?, non_negative(a.int(1)?, "index")?);
            list(l.elems.iter().skip(n).cloned().collect())
        }
        "Take" => {
            let (l, n) = (a.list(0)?, non_negative(a.int(1)?, "index")?);
            list(l.elems.iter().take(n).cloned().collect())
        }
        "Slice" => {
            let l = a.list(0)?;
            let (i, j) = (a.int(1)?, a.int(2)?);
            if i < 0 || j < 0 {
                return Err("negative index".into());
            }
            if i > j {
                return Err(format!("invalid index: {i} > {j}"));
            }
            if j as usize > l.elems.len() {
                return Err("slice bounds out of range".into());
            }
            list(l.elems[i as usize..j as usize].to_vec())
        }
        "FlattenN" => {
            a.want(2)?;
            let depth = a.int(1)?;
            let mut out = Vec::new();
            flatten(ctx, &a.list(0)?.elems, depth, &mut out)?;
            list(out)
        }
        "Range" => {
            a.want(3)?;
            let (start, limit, step) = (a.num(0)?.into_owned(), a.num(1)?, a.num(2)?);
            if step.is_zero() {
                return Err("step must be non zero".into());
            }
            let o = start.cmp_value(&limit);
            if !step.neg && o == Ordering::Greater {
                return Err("end must be greater than start when step is positive".into());
            }
            if step.neg && o == Ordering::Less {
                return Err("end must be less than start when step is negative".into());
            }
            let mut out = Vec::new();
            let mut n = start;
            let stop = if step.neg {
                Ordering::Greater
            } else {
                Ordering::Less
            };
            while n.cmp_value(&limit) == stop {
                if out.len() >= MAX_ELEMS {
                    return Err("range too large".into());
                }
                let next = step.add(&n).map_err(err)?;
                out.push(decimal_kind(n));
                n = next;
            }
            list(out)
        }
        "Repeat" => {
            let (l, n) = (a.list(0)?, a.int(1)?);
            let n = usize::try_from(n).map_err(|_| "negative count".to_string())?;
            if n.saturating_mul(l.elems.len()) > MAX_ELEMS {
                return Err("list too long".into());
            }
            list(l.elems.iter().cloned().cycle().take(n * l.elems.len()).collect())
        }
        "Reverse" => list(a.list(0)?.elems.iter().rev().cloned().collect()),
        "Sort" | "SortStable" => {
            a.want(2)?;
            list(sort_with(ctx, a.elems(0)?, a.val(1)?)?)
        }
        "IsSorted" => {
            a.want(2)?;
            let (v, cmp) = (a.elems(0)?, a.val(1)?);
            let mut sorted = true;
            for i in (1..v.len()).rev() {
                if less(ctx, cmp, &v[i], &v[i - 1])? {
                    sorted = false;
                    break;
                }
            }
            Val::Bool(sorted)
        }
        "SortStrings" => {
            let mut v = a.strs(0)?;
            v.sort();
            super::args::strs(v)
        }
        "IsSortedStrings" => Val::Bool(a.strs(0)?.is_sorted()),
        "UniqueItems" => {
            let v = a.elems(0)?;
            // (every comparison is a step: stop as soon as the limit is hit)
            let dup = (0..v.len())
                .any(|i| (0..i).any(|j| ctx.limited() || ctx.deep_eq(&v[i], &v[j]) == Some(true)));
            if ctx.limited() {
                return Err("evaluation limit exceeded".into());
            }
            Val::Bool(!dup)
        }
        "MinItems" => Val::Bool(a.list(0)?.elems.len() as i128 >= a.int(1)?),
        "MaxItems" => Val::Bool(a.list(0)?.elems.len() as i128 <= a.int(1)?),
        "MatchN" => {
            a.want(3)?;
            let (n, schema) = (a.val(1)?, a.val(2)?);
            let mut matched = 0i128;
            for e in a.elems(0)? {
                let u = ctx.resolve(ctx.unify(schema.clone(), e));
                if !u.is_bottom() && ctx.deep_error(&u, ctx.limits.max_depth).is_none() {
                    matched += 1;
                }
            }
            if ctx.unify(n.clone(), Val::Int(matched)).is_bottom() {
                return Err(format!(
                    "number of matched elements is {matched}: does not satisfy {}",
                    ctx.describe(n)
                ));
            }
            Val::Bool(true)
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

/// A number of `list.Range`: an int stays an int.
fn decimal_kind(n: Num) -> Val {
    Val::num(n)
}

fn flatten(ctx: &Ctx, elems: &[Val], depth: i128, out: &mut Vec<Val>) -> Result<(), String> {
    for e in elems {
        match ctx.resolve(e.clone()) {
            Val::List(l) if depth != 0 => flatten(ctx, &l.elems, depth - 1, out)?,
            v => {
                if out.len() >= MAX_ELEMS {
                    return Err("list too long".into());
                }
                out.push(v);
            }
        }
    }
    Ok(())
}
