//! The `path` package for slash-separated paths (the `unix` and `plan9` conventions, CUE's
//! default; `windows` is refused with an error, except by `VolumeName`).

use super::R;
use super::args::{Args, s, strs};
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "path.Base",
    "path.Clean",
    "path.Dir",
    "path.Ext",
    "path.FromSlash",
    "path.IsAbs",
    "path.Join",
    "path.Match",
    "path.Rel",
    "path.Resolve",
    "path.Split",
    "path.SplitList",
    "path.ToSlash",
    "path.VolumeName",
];

/// Constants: the operating-system names the functions take.
pub(crate) const CONSTS: &[(&str, &str)] = &[
    ("path.Unix", "\"unix\""),
    ("path.Windows", "\"windows\""),
    ("path.Plan9", "\"plan9\""),
];

const OSES: &[&str] = &[
    "unix",
    "windows",
    "plan9",
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "solaris",
    "wasip1",
    "zos",
];

/// Go's `path.Clean` (lexical: `.` and `..` elements resolved, slashes collapsed).
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for e in p.split('/') {
        match e {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            e => out.push(e),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn join(elems: &[impl AsRef<str>]) -> String {
    let parts: Vec<&str> = elems
        .iter()
        .map(AsRef::as_ref)
        .filter(|e| !e.is_empty())
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn dir(p: &str) -> String {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..i])
}

fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

/// Go's `filepath.Rel`.
fn rel(basepath: &str, targpath: &str) -> Result<String, String> {
    let (b, t) = (clean(basepath), clean(targpath));
    if b == t {
        return Ok(".".into());
    }
    let b = if b == "." { String::new() } else { b };
    let fail = || format!("Rel: can't make {targpath} relative to {basepath}");
    if b.starts_with('/') != t.starts_with('/') {
        return Err(fail());
    }
    let bs: Vec<&str> = b.split('/').filter(|e| !e.is_empty()).collect();
    let ts: Vec<&str> = t.split('/').filter(|e| !e.is_empty()).collect();
    let common = bs.iter().zip(&ts).take_while(|(x, y)| x == y).count();
    if bs.get(common) == Some(&"..") {
        return Err(fail());
    }
    let mut out: Vec<&str> = vec![".."; bs.len() - common];
    out.extend(&ts[common..]);
    Ok(out.join("/"))
}

/// Go's `path.Match`: `*`, `?`, `[...]` classes and `\\` escapes, within one path element.
fn glob(pattern: &str, name: &str) -> Result<bool, String> {
    let bad = || "syntax error in pattern".to_string();
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // a class at p[i] ('[' already consumed): whether c matches, and the index after ']'
    fn class(p: &[char], mut i: usize, c: char) -> Option<(bool, usize)> {
        let negate = p.get(i) == Some(&'^');
        if negate {
            i += 1;
        }
        let mut matched = false;
        let mut first = true;
        loop {
            match p.get(i)? {
                ']' if !first => return Some((matched != negate, i + 1)),
                _ => {}
            }
            first = false;
            let mut lo = *p.get(i)?;
            if lo == '\\' {
                i += 1;
                lo = *p.get(i)?;
            }
            i += 1;
            let mut hi = lo;
            if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|c| *c != ']') {
                i += 1;
                hi = *p.get(i)?;
                if hi == '\\' {
                    i += 1;
                    hi = *p.get(i)?;
                }
                i += 1;
            }
            if lo <= c && c <= hi {
                matched = true;
            }
        }
    }
    fn go(p: &[char], n: &[char]) -> Option<bool> {
        match p.first() {
            None => Some(n.is_empty()),
            Some('*') => {
                for k in 0..=n.len() {
                    if k > 0 && n[k - 1] == '/' {
                        break;
                    }
                    if go(&p[1..], &n[k..])? {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Some('?') => match n.first() {
                Some(c) if *c != '/' => go(&p[1..], &n[1..]),
                _ => Some(false),
            },
            Some('[') => match n.first() {
                Some(c) if *c != '/' => {
                    let (ok, next) = class(p, 1, *c)?;
                    if ok { go(&p[next..], &n[1..]) } else { Some(false) }
                }
                _ => Some(false),
            },
            Some('\\') => match (p.get(1), n.first()) {
                (None, _) => None,
                (Some(a), Some(b)) if a == b => go(&p[2..], &n[1..]),
                _ => Some(false),
            },
            Some(c) => match n.first() {
                Some(b) if b == c => go(&p[1..], &n[1..]),
                _ => Some(false),
            },
        }
    }
    // a malformed class anywhere is an error, as in Go
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => i += 2,
            '[' => i = class(&p, i + 1, '\u{10FFFF}').ok_or_else(bad)?.1,
            _ => i += 1,
        }
    }
    if pattern.ends_with('\\') && !pattern.ends_with("\\\\") {
        return Err(bad());
    }
    go(&p, &n).ok_or_else(bad)
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let f = name.strip_prefix("path.").unwrap_or(name);
    // the operating system: the last argument, `unix` when left out
    let arity = match f {
        "Match" | "Resolve" | "Rel" => 3,
        "Join" | "Split" | "SplitList" | "Clean" | "ToSlash" | "FromSlash" | "Ext" | "Base" | "Dir"
        | "IsAbs" | "VolumeName" => 2,
        _ => 2,
    };
    let default = if f == "VolumeName" { "windows" } else { "unix" };
    let os = if a.vals.len() >= arity {
        a.str(arity - 1)?.to_string()
    } else {
        default.to_string()
    };
    if !OSES.contains(&os.as_str()) {
        return Err(format!("invalid OS {os:?}"));
    }
    if f == "VolumeName" {
        let p = a.str(0)?;
        let b = p.as_bytes();
        return Ok(s(
            if os == "windows" && b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
                &p[..2]
            } else {
                ""
            },
        ));
    }
    if os == "windows" {
        return Err("windows paths are not supported by vela-cue".into());
    }
    Ok(match f {
        "Base" => s(base(&a.str(0)?)),
        "Clean" => s(clean(&a.str(0)?)),
        "Dir" => s(dir(&a.str(0)?)),
        "Ext" => s(ext(&a.str(0)?)),
        "FromSlash" | "ToSlash" => s(a.str(0)?),
        "IsAbs" => Val::Bool(a.str(0)?.starts_with('/')),
        "Join" => s(join(&a.strs(0)?)),
        "Match" => Val::Bool(glob(&a.str(0)?, &a.str(1)?)?),
        "Rel" => s(rel(&a.str(0)?, &a.str(1)?)?),
        "Resolve" => {
            let (d, sub) = (a.str(0)?, a.str(1)?);
            s(if sub.starts_with('/') {
                clean(&sub)
            } else {
                join(&[clean(&d), sub.to_string()])
            })
        }
        "Split" => {
            let p = a.str(0)?;
            let i = p.rfind('/').map_or(0, |i| i + 1);
            strs([&p[..i], &p[i..]])
        }
        "SplitList" => {
            let p = a.str(0)?;
            let sep = if os == "plan9" { '\0' } else { ':' };
            if p.is_empty() {
                strs(Vec::<String>::new())
            } else {
                strs(p.split(sep))
            }
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_go() {
        assert_eq!(clean("a//b/./c/../d/"), "a/b/d");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../../a"), "../../a");
        assert_eq!(join(&["a", "", "/b/"]), "a/b");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(dir("/a/b"), "/a");
        assert_eq!(ext("a/b.tar.gz"), ".gz");
        assert_eq!(rel("/a/b", "/a/c/d").unwrap(), "../c/d");
        assert!(rel("a", "/b").is_err());
        assert!(glob("*.cue", "x.cue").unwrap());
        assert!(!glob("*.cue", "a/x.cue").unwrap());
        assert!(glob("[a-c]?[^x]", "bzy").unwrap());
        assert!(glob("[", "x").is_err());
    }
}
