//! The `list` package.

use std::rc::Rc;

use super::{R, arg, arg_int, arg_list, want_args};
use crate::eval::Ctx;
use crate::value::{List, Val};

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "list.Concat",
    "list.FlattenN",
    "list.Contains",
    "list.Sum",
    "list.Avg",
    "list.Max",
    "list.Min",
    "list.Range",
    "list.Slice",
    "list.Take",
    "list.Drop",
    "list.Repeat",
    "list.Reverse",
    "list.Sort",
    "list.SortStrings",
    "list.UniqueItems",
    "list.MinItems",
    "list.MaxItems",
];

fn mk(elems: Vec<Val>) -> Val {
    Val::List(Rc::new(List { elems, tail: None }))
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    Ok(match name {
        "list.Concat" => {
            want_args(a, 1)?;
            let outer = arg_list(ctx, arg(a, 0)?)?;
            let mut out = Vec::new();
            for l in &outer.elems {
                let l = arg_list(ctx, &ctx.resolve(l.clone()))?;
                out.extend(l.elems.iter().cloned());
            }
            mk(out)
        }
        "list.FlattenN" => {
            want_args(a, 2)?;
            let l = arg_list(ctx, arg(a, 0)?)?;
            let depth = arg_int(ctx, arg(a, 1)?)?;
            let mut out = Vec::new();
            flatten(ctx, &l.elems, depth, &mut out);
            mk(out)
        }
        "list.Contains" => {
            want_args(a, 2)?;
            let l = arg_list(ctx, arg(a, 0)?)?;
            let mut found = false;
            for e in &l.elems {
                if ctx.deep_eq(&ctx.resolve(e.clone()), arg(a, 1)?) == Some(true) {
                    found = true;
                    break;
                }
            }
            Val::Bool(found)
        }
        "list.Sum" | "list.Max" | "list.Min" | "list.Avg" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let vals: Vec<Val> = l.elems.iter().map(|e| ctx.resolve(e.clone())).collect();
            let mut nums = Vec::with_capacity(vals.len());
            for v in &vals {
                nums.push(super::strings::num_arg(ctx, v)?.into_owned());
            }
            let mut it = nums.into_iter();
            match name {
                "list.Sum" | "list.Avg" => {
                    let count = it.len();
                    if name == "list.Avg" && count == 0 {
                        return Err("empty list".into());
                    }
                    let mut acc = crate::num::Num::from_i128(0);
                    for n in it {
                        acc = acc.add(&n).map_err(|e| e.to_string())?;
                    }
                    if name == "list.Avg" {
                        let n = crate::num::Num::from_i128(count as i128);
                        acc = acc.quo(&n).map_err(|e| e.to_string())?;
                    }
                    super::strings::decimal_result(acc)
                }
                _ => {
                    let first = it.next().ok_or("empty list")?;
                    let best = it.fold(first, |b, n| {
                        let o = n.cmp_value(&b);
                        let better = if name == "list.Max" {
                            o == std::cmp::Ordering::Greater
                        } else {
                            o == std::cmp::Ordering::Less
                        };
                        if better { n } else { b }
                    });
                    super::strings::decimal_result(best)
                }
            }
        }
        "list.Range" => {
            want_args(a, 3)?;
            let (s, e, st) = (
                arg_int(ctx, arg(a, 0)?)?,
                arg_int(ctx, arg(a, 1)?)?,
                arg_int(ctx, arg(a, 2)?)?,
            );
            if st == 0 {
                return Err("step must be non zero".into());
            }
            let mut out = Vec::new();
            let mut i = s;
            while (st > 0 && i < e) || (st < 0 && i > e) {
                out.push(Val::Int(i));
                i = match i.checked_add(st) {
                    Some(i) => i,
                    None => break,
                };
                if out.len() > 1_000_000 {
                    return Err("range too large".into());
                }
            }
            mk(out)
        }
        "list.Slice" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let (i, j) = (arg_int(ctx, arg(a, 1)?)?, arg_int(ctx, arg(a, 2)?)?);
            if i < 0 || j < i || j as usize > l.elems.len() {
                return Err("slice out of range".into());
            }
            mk(l.elems[i as usize..j as usize].to_vec())
        }
        "list.Take" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let n = arg_int(ctx, arg(a, 1)?)?.max(0) as usize;
            mk(l.elems.iter().take(n).cloned().collect())
        }
        "list.Drop" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let n = arg_int(ctx, arg(a, 1)?)?.max(0) as usize;
            mk(l.elems.iter().skip(n).cloned().collect())
        }
        "list.Repeat" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let n = arg_int(ctx, arg(a, 1)?)?;
            if n < 0 || (n as usize).saturating_mul(l.elems.len()) > 1_000_000 {
                return Err("count out of range".into());
            }
            let mut out = Vec::new();
            for _ in 0..n {
                out.extend(l.elems.iter().cloned());
            }
            mk(out)
        }
        "list.Reverse" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            mk(l.elems.iter().rev().cloned().collect())
        }
        "list.SortStrings" | "list.Sort" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let mut vals: Vec<Val> = l.elems.iter().map(|e| ctx.resolve(e.clone())).collect();
            if !vals
                .iter()
                .all(|v| matches!(v, Val::Str(_) | Val::Int(_) | Val::Num(_)))
            {
                return Err("only lists of strings or numbers can be sorted".into());
            }
            vals.sort_by(crate::eval::order_vals);
            mk(vals)
        }
        "list.UniqueItems" => {
            let l = arg_list(ctx, arg(a, 0)?)?;
            let vals: Vec<Val> = l.elems.iter().map(|e| ctx.resolve(e.clone())).collect();
            let mut ok = true;
            for i in 0..vals.len() {
                for j in 0..i {
                    if ctx.deep_eq(&vals[i], &vals[j]) == Some(true) {
                        ok = false;
                    }
                }
            }
            Val::Bool(ok)
        }
        "list.MinItems" => {
            Val::Bool(arg_list(ctx, arg(a, 0)?)?.elems.len() as i128 >= arg_int(ctx, arg(a, 1)?)?)
        }
        "list.MaxItems" => {
            Val::Bool(arg_list(ctx, arg(a, 0)?)?.elems.len() as i128 <= arg_int(ctx, arg(a, 1)?)?)
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

fn flatten(ctx: &Ctx, elems: &[Val], depth: i128, out: &mut Vec<Val>) {
    for e in elems {
        match ctx.resolve(e.clone()) {
            Val::List(l) if depth != 0 => flatten(ctx, &l.elems, depth - 1, out),
            v => out.push(v),
        }
    }
}
