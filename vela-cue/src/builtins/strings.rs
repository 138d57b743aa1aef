//! The `strings` package, with Go's semantics: byte offsets, per-rune (simple) case mapping,
//! Go's splitting of empty separators.

use super::R;
use super::args::{Args, int, list, s, strs};
use super::go_unicode::{to_lower, to_title, to_upper};
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "strings.ByteAt",
    "strings.ByteSlice",
    "strings.Compare",
    "strings.Contains",
    "strings.ContainsAny",
    "strings.Count",
    "strings.Fields",
    "strings.HasPrefix",
    "strings.HasSuffix",
    "strings.Index",
    "strings.IndexAny",
    "strings.Join",
    "strings.LastIndex",
    "strings.LastIndexAny",
    "strings.MaxRunes",
    "strings.MinRunes",
    "strings.Repeat",
    "strings.Replace",
    "strings.Runes",
    "strings.SliceRunes",
    "strings.Split",
    "strings.SplitAfter",
    "strings.SplitAfterN",
    "strings.SplitN",
    "strings.ToCamel",
    "strings.ToLower",
    "strings.ToTitle",
    "strings.ToUpper",
    "strings.Trim",
    "strings.TrimLeft",
    "strings.TrimPrefix",
    "strings.TrimRight",
    "strings.TrimSpace",
    "strings.TrimSuffix",
];

/// Go's `genSplit`: split `x` around `sep` (after each `sep` when `after`), at most `n` parts
/// when `n >= 0`; an empty `sep` splits after each rune.
fn gen_split(x: &str, sep: &str, after: bool, n: i128) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let n = if n < 0 {
        usize::MAX
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    };
    if sep.is_empty() {
        let mut out = Vec::new();
        let mut rest = x;
        while !rest.is_empty() {
            if out.len() + 1 == n {
                out.push(rest.to_string());
                return out;
            }
            let w = rest.chars().next().map_or(1, char::len_utf8);
            out.push(rest[..w].to_string());
            rest = &rest[w..];
        }
        return out;
    }
    let mut out = Vec::new();
    let mut rest = x;
    while out.len() + 1 < n {
        let Some(i) = rest.find(sep) else { break };
        let end = if after { i + sep.len() } else { i };
        out.push(rest[..end].to_string());
        rest = &rest[i + sep.len()..];
    }
    out.push(rest.to_string());
    out
}

/// Map every rune that follows a space (and the first one) with `f`, as CUE's `ToTitle` and
/// `ToCamel` do.
fn map_word_starts(x: &str, f: fn(char) -> char) -> String {
    let mut prev = ' ';
    x.chars()
        .map(|c| {
            let r = if prev.is_whitespace() { f(c) } else { c };
            prev = c;
            r
        })
        .collect()
}

/// The byte offset of the first rune of `x` in `chars` (Go's `IndexAny`).
fn index_any(x: &str, chars: &str) -> i128 {
    x.char_indices()
        .find(|(_, c)| chars.contains(*c))
        .map_or(-1, |(i, _)| i as i128)
}

fn last_index_any(x: &str, chars: &str) -> i128 {
    x.char_indices()
        .rev()
        .find(|(_, c)| chars.contains(*c))
        .map_or(-1, |(i, _)| i as i128)
}

fn rune_slice(x: &str, start: i128, end: i128) -> Result<String, String> {
    let runes: Vec<char> = x.chars().collect();
    if start < 0 || start > end || end > runes.len() as i128 {
        return Err("index out of range".into());
    }
    Ok(runes[start as usize..end as usize].iter().collect())
}

fn replace(x: &str, old: &str, new: &str, n: i128) -> String {
    if n < 0 {
        x.replace(old, new)
    } else {
        x.replacen(old, new, usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// An error when replacing `old` by `new` in `x` (at most `n` times, all when negative) would
/// make a string longer than the output limit; checked before the string is built.
fn replaced_len_within(ctx: &Ctx, x: &str, old: &str, new: &str, n: i128) -> Result<(), String> {
    if new.len() <= old.len() {
        return Ok(());
    }
    let found = if old.is_empty() {
        x.chars().count() + 1
    } else {
        x.matches(old).count()
    };
    let count = if n < 0 {
        found
    } else {
        found.min(usize::try_from(n).unwrap_or(usize::MAX))
    };
    let len = x
        .len()
        .saturating_add(count.saturating_mul(new.len() - old.len()));
    if len > ctx.limits.max_output {
        return Err(format!("result longer than {} bytes", ctx.limits.max_output));
    }
    Ok(())
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let f = name.strip_prefix("strings.").unwrap_or(name);
    Ok(match f {
        "ByteAt" => {
            let (b, i) = (a.bytes(0)?, a.int(1)?);
            match usize::try_from(i).ok().and_then(|i| b.get(i)) {
                Some(x) => int(*x),
                None => return Err("index out of range".into()),
            }
        }
        "ByteSlice" => {
            let (b, i, j) = (a.bytes(0)?, a.int(1)?, a.int(2)?);
            if i < 0 || i > j || j > b.len() as i128 {
                return Err("index out of range".into());
            }
            crate::export::bytes_val(b[i as usize..j as usize].to_vec())
        }
        "Compare" => int(match a.str(0)?.cmp(&a.str(1)?) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "Contains" => Val::Bool(a.str(0)?.contains(&*a.str(1)?)),
        "ContainsAny" => {
            let (x, chars) = (a.str(0)?, a.str(1)?);
            Val::Bool(x.chars().any(|c| chars.contains(c)))
        }
        "Count" => {
            let (x, sub) = (a.str(0)?, a.str(1)?);
            int(if sub.is_empty() {
                x.chars().count() as i128 + 1
            } else {
                x.matches(&*sub).count() as i128
            })
        }
        "Fields" => strs(a.str(0)?.split_whitespace()),
        "HasPrefix" => Val::Bool(a.str(0)?.starts_with(&*a.str(1)?)),
        "HasSuffix" => Val::Bool(a.str(0)?.ends_with(&*a.str(1)?)),
        "Index" => int(a.str(0)?.find(&*a.str(1)?).map_or(-1, |i| i as i128)),
        "IndexAny" => int(index_any(&a.str(0)?, &a.str(1)?)),
        "Join" => {
            a.want(2)?;
            let parts = a.strs(0)?;
            let sep = a.str(1)?;
            let total = parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
            if total > ctx.limits.max_output {
                return Err("result too large".into());
            }
            s(parts.iter().map(|p| &**p).collect::<Vec<_>>().join(&sep))
        }
        "LastIndex" => int(a.str(0)?.rfind(&*a.str(1)?).map_or(-1, |i| i as i128)),
        "LastIndexAny" => int(last_index_any(&a.str(0)?, &a.str(1)?)),
        "MinRunes" => Val::Bool(a.str(0)?.chars().count() as i128 >= a.int(1)?),
        "MaxRunes" => Val::Bool(a.str(0)?.chars().count() as i128 <= a.int(1)?),
        "Repeat" => {
            let (x, n) = (a.str(0)?, a.int(1)?);
            if n < 0 {
                return Err("strings: negative Repeat count".into());
            }
            if (n as u128).saturating_mul(x.len() as u128) > ctx.limits.max_output as u128 {
                return Err("strings: Repeat output length overflow".into());
            }
            s(x.repeat(n as usize))
        }
        "Replace" => {
            let (x, old, new, n) = (a.str(0)?, a.str(1)?, a.str(2)?, a.int(3)?);
            replaced_len_within(ctx, &x, &old, &new, n)?;
            s(replace(&x, &old, &new, n))
        }
        "Runes" => list(a.str(0)?.chars().map(|c| int(c as u32)).collect()),
        "SliceRunes" => s(rune_slice(&a.str(0)?, a.int(1)?, a.int(2)?)?),
        "Split" => strs(gen_split(&a.str(0)?, &a.str(1)?, false, -1)),
        "SplitAfter" => strs(gen_split(&a.str(0)?, &a.str(1)?, true, -1)),
        "SplitN" => strs(gen_split(&a.str(0)?, &a.str(1)?, false, a.int(2)?)),
        "SplitAfterN" => strs(gen_split(&a.str(0)?, &a.str(1)?, true, a.int(2)?)),
        "ToCamel" => s(map_word_starts(&a.str(0)?, to_lower)),
        "ToTitle" => s(map_word_starts(&a.str(0)?, to_title)),
        "ToLower" => s(a.str(0)?.chars().map(to_lower).collect::<String>()),
        "ToUpper" => s(a.str(0)?.chars().map(to_upper).collect::<String>()),
        "Trim" => {
            let (x, cut) = (a.str(0)?, a.str(1)?);
            s(x.trim_matches(|c| cut.contains(c)))
        }
        "TrimLeft" => {
            let (x, cut) = (a.str(0)?, a.str(1)?);
            s(x.trim_start_matches(|c| cut.contains(c)))
        }
        "TrimRight" => {
            let (x, cut) = (a.str(0)?, a.str(1)?);
            s(x.trim_end_matches(|c| cut.contains(c)))
        }
        "TrimSpace" => s(a.str(0)?.trim()),
        "TrimPrefix" => {
            let (x, p) = (a.str(0)?, a.str(1)?);
            s(x.strip_prefix(&*p).unwrap_or(&x))
        }
        "TrimSuffix" => {
            let (x, p) = (a.str(0)?, a.str(1)?);
            s(x.strip_suffix(&*p).unwrap_or(&x))
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::gen_split;

    #[test]
    fn split_follows_go() {
        assert_eq!(gen_split("a,b,c", ",", false, -1), ["a", "b", "c"]);
        assert_eq!(gen_split("a,b,c", ",", true, 2), ["a,", "b,c"]);
        assert_eq!(gen_split("abc", "", false, -1), ["a", "b", "c"]);
        assert_eq!(gen_split("abc", "", false, 2), ["a", "bc"]);
        assert_eq!(gen_split("", ",", false, -1), [""]);
        assert!(gen_split("", "", false, -1).is_empty());
        assert!(gen_split("a", ",", false, 0).is_empty());
    }
}
