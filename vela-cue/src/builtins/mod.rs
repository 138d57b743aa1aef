//! Predeclared identifiers, builtin functions and the standard library packages.

mod args;
mod bits;
mod codec;
mod csv;
mod decimal;
mod digest;
mod encoding;
mod go_unicode;
mod html;
mod html_entities;
mod json_text;
mod list;
mod math;
mod net;
mod path;
mod regexp;
mod special;
mod strconv;
mod strings;
mod tabwriter;
mod template;
mod time;
mod toml;
mod unicode_tables;
pub(crate) mod yaml_emit;

use std::rc::Rc;

use crate::ast::Name;
use crate::eval::Ctx;
use crate::value::{List, Val, kind};

/// Standard-library packages known to the evaluator.
pub const STDLIB: &[&str] = &[
    "strings",
    "strconv",
    "list",
    "math",
    "regexp",
    "struct",
    "encoding/json",
    "encoding/yaml",
    "encoding/base64",
    "encoding/hex",
    "crypto/sha256",
    "crypto/sha1",
    "crypto/md5",
    "uuid",
    "time",
    "path",
    "net",
    "text/template",
    "math/bits",
    "crypto/sha512",
    "crypto/hmac",
    "html",
    "encoding/csv",
    "text/tabwriter",
    "crypto/ed25519",
    "encoding/toml",
];

pub(crate) use json_text::indent as json_indent;

/// A package's builtin functions and the function that calls one of them by qualified name.
struct Package {
    funcs: &'static [&'static str],
    call: fn(&Ctx, &str, &[Val]) -> R,
}

/// Every package module (a qualified name is in at most one).
const PACKAGES: &[Package] = &[
    Package {
        funcs: strings::FUNCS,
        call: strings::call,
    },
    Package {
        funcs: strconv::FUNCS,
        call: strconv::call,
    },
    Package {
        funcs: regexp::FUNCS,
        call: regexp::call,
    },
    Package {
        funcs: math::FUNCS,
        call: math::call,
    },
    Package {
        funcs: list::FUNCS,
        call: list::call,
    },
    Package {
        funcs: encoding::FUNCS,
        call: encoding::call,
    },
    Package {
        funcs: codec::FUNCS,
        call: codec::call,
    },
    Package {
        funcs: time::FUNCS,
        call: time::call,
    },
    Package {
        funcs: path::FUNCS,
        call: path::call,
    },
    Package {
        funcs: net::FUNCS,
        call: net::call,
    },
    Package {
        funcs: template::FUNCS,
        call: template::call,
    },
    Package {
        funcs: bits::FUNCS,
        call: bits::call,
    },
    Package {
        funcs: tabwriter::FUNCS,
        call: tabwriter::call,
    },
    Package {
        funcs: special::FUNCS,
        call: special::call,
    },
    Package {
        funcs: toml::FUNCS,
        call: toml::call,
    },
];

fn package_of(q: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.funcs.contains(&q))
}

/// Value of a predeclared identifier.
pub(crate) fn predeclared(name: &str) -> Option<Val> {
    Some(match name {
        "_" => Val::Top,
        "string" => Val::Kind(kind::STRING),
        "int" => Val::Kind(kind::INT),
        "float" => Val::Kind(kind::FLOAT),
        "number" => Val::Kind(kind::NUMBER),
        "bool" => Val::Kind(kind::BOOL),
        "bytes" => Val::Kind(kind::BYTES),
        "null" => Val::Null,
        "uint" => Val::Conj(
            vec![
                Val::Kind(kind::INT),
                Val::Bound(crate::ast::Op::Ge, Rc::new(Val::Int(0))),
            ]
            .into(),
        ),
        "len" | "close" | "and" | "or" | "div" | "mod" | "quo" | "rem" => Val::Func(name.into()),
        _ => return sized_number(name),
    })
}

/// CUE's predeclared sized numbers: `int8` ... `int128`, `uint8` ... `uint64`, `rune`
/// (integers with bounds), `float32`, `float64` (number bounds).
fn sized_number(name: &str) -> Option<Val> {
    use crate::ast::Op::{Ge, Le};
    let int = |lo: i128, hi: i128| {
        Val::Conj(
            vec![
                Val::Kind(kind::INT),
                Val::Bound(Ge, Rc::new(Val::Int(lo))),
                Val::Bound(Le, Rc::new(Val::Int(hi))),
            ]
            .into(),
        )
    };
    let float = |m: &str| {
        let m = crate::num::Num::parse(m).expect("float bound literal");
        Val::Conj(
            vec![
                Val::Bound(Ge, Rc::new(Val::num(m.neg()))),
                Val::Bound(Le, Rc::new(Val::num(m))),
            ]
            .into(),
        )
    };
    Some(match name {
        "int8" => int(i8::MIN.into(), i8::MAX.into()),
        "int16" => int(i16::MIN.into(), i16::MAX.into()),
        "int32" => int(i32::MIN.into(), i32::MAX.into()),
        "int64" => int(i64::MIN.into(), i64::MAX.into()),
        "int128" => int(i128::MIN, i128::MAX),
        "uint8" => int(0, u8::MAX.into()),
        "uint16" => int(0, u16::MAX.into()),
        "uint32" => int(0, u32::MAX.into()),
        "uint64" => int(0, u64::MAX.into()),
        "rune" => int(0, 0x10FFFF),
        // Go's math.MaxFloat32 and math.MaxFloat64, exactly
        "float32" => float("3.40282346638528859811704183484516925440e+38"),
        "float64" => float("1.79769313486231570814527423731704356798070e+308"),
        _ => return None,
    })
}

/// `pkg.Name` for a standard-library package.
pub(crate) fn package_member(ctx: &Ctx, pkg: &str, name: &str, pos: u32) -> Val {
    let short = pkg.rsplit('/').next().unwrap_or(pkg);
    let q = format!("{short}.{name}");
    if package_of(&q).is_some() {
        return Val::Func(q.into());
    }
    let mut consts = math::CONSTS
        .iter()
        .chain(codec::CONSTS)
        .chain(time::CONSTS)
        .chain(path::CONSTS)
        .chain(net::CONSTS)
        .chain(CONSTS);
    if let Some((_, text)) = consts.find(|(n, _)| *n == q) {
        return match text.strip_prefix('"') {
            Some(t) => Val::Str(t.trim_end_matches('"').into()),
            None => crate::num::Num::parse(text).map(Val::num).unwrap_or(Val::Top),
        };
    }
    if let Some((_, src)) = list::STRUCTS.iter().chain(codec::STRUCTS).find(|(n, _)| *n == q) {
        return match crate::parser::parse_expr(src) {
            Ok(e) => ctx.eval(&e, &crate::eval::Env::default()),
            Err(e) => Val::bottom(e.to_string(), pos),
        };
    }
    Val::bottom(format!("undefined: {pkg}.{name}"), pos)
}

/// Constants of the other packages (a string constant is written in quotes).
const CONSTS: &[(&str, &str)] = &[("strconv.IntSize", "64")];

/// Names of every supported builtin function (for the book's support table).
pub fn supported_functions() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    v.extend_from_slice(&["len", "close", "and", "or", "div", "mod", "quo", "rem"]);
    for p in PACKAGES {
        v.extend_from_slice(p.funcs);
    }
    v
}

/// Builtins that return a boolean and can be used as validators: called with every argument but
/// the first, they constrain the value they are unified with. (name, full arity, kinds checked)
const VALIDATORS: &[(&str, usize, u16)] = &[
    ("list.MinItems", 2, kind::LIST),
    ("list.MaxItems", 2, kind::LIST),
    ("list.UniqueItems", 1, kind::LIST),
    ("list.Contains", 2, kind::LIST),
    ("list.MatchN", 3, kind::LIST),
    ("strings.MinRunes", 2, kind::STRING),
    ("strings.MaxRunes", 2, kind::STRING),
    ("strings.HasPrefix", 2, kind::STRING),
    ("strings.HasSuffix", 2, kind::STRING),
    ("strings.Contains", 2, kind::STRING),
    ("math.MultipleOf", 2, kind::NUMBER),
    ("struct.MinFields", 2, kind::STRUCT),
    ("struct.MaxFields", 2, kind::STRUCT),
    ("json.Valid", 1, kind::STRING | kind::BYTES),
    ("json.Validate", 2, kind::STRING | kind::BYTES),
    ("uuid.Valid", 1, kind::STRING),
    ("time.Time", 1, kind::STRING),
    ("time.Format", 2, kind::STRING),
    ("time.Duration", 1, kind::STRING),
    ("net.IP", 1, kind::TOP),
    ("net.IPv4", 1, kind::TOP),
    ("net.IPv6", 1, kind::TOP),
    ("net.IPCIDR", 1, kind::TOP),
    ("net.FQDN", 1, kind::STRING),
    ("net.URL", 1, kind::STRING),
    ("net.AbsURL", 1, kind::STRING),
    ("yaml.Validate", 2, kind::STRING | kind::BYTES),
    ("yaml.ValidatePartial", 2, kind::STRING | kind::BYTES),
    ("ed25519.Valid", 3, kind::STRING | kind::BYTES),
];

/// Call builtin `name` with (unresolved) arguments.
pub(crate) fn call(ctx: &Ctx, name: &Name, args: Vec<Val>, pos: u32) -> Val {
    if let Some(&(_, arity, k)) = VALIDATORS.iter().find(|(n, ..)| *n == &**name)
        && args.len() + 1 == arity
    {
        let args: Vec<Val> = args.into_iter().map(|a| ctx.resolve(a)).collect();
        if let Some(b) = args.iter().find(|a| a.is_bottom()) {
            return b.clone();
        }
        return Val::Validator(Rc::new(crate::value::Validator {
            name: name.clone(),
            args,
            kind: k,
        }));
    }
    // arguments are resolved to their defaults except for `close`, `and`, `or`
    if let Some(b) = args.iter().find(|a| a.is_bottom())
        && !matches!(&**name, "and" | "or")
    {
        return b.clone();
    }
    let r = match &**name {
        "close" => return close(ctx, args, pos),
        "and" => return and_or(ctx, args, true, pos),
        "or" => return and_or(ctx, args, false, pos),
        _ => {
            let args: Vec<Val> = args.into_iter().map(|a| ctx.resolve(a)).collect();
            if let Some(b) = args.iter().find(|a| a.is_bottom()) {
                return b.clone();
            }
            match &**name {
                "len" => len(ctx, &args),
                "div" | "mod" | "quo" | "rem" => int_div(name, &args),
                n => match package_of(n) {
                    Some(p) => (p.call)(ctx, n, &args),
                    None => Err(format!("unknown function {n}")),
                },
            }
        }
    };
    match r {
        Ok(v) => {
            // what a builtin built counts against the byte budget
            let built = match &v {
                Val::Str(s) => s.len(),
                Val::Bytes(b) => b.len(),
                Val::List(l) => l.elems.len() * crate::eval::VAL_BYTES,
                _ => 0,
            };
            match ctx.charge_value(built, &format!("result of {name}"), pos) {
                Ok(()) => v,
                Err(e) => e,
            }
        }
        Err(msg) if msg.starts_with("incomplete:") => Val::incomplete(
            format!("{name}: {}", msg.trim_start_matches("incomplete:").trim()),
            pos,
        ),
        Err(msg) => Val::bottom(format!("error in call to {name}: {msg}"), pos),
    }
}

/// What a builtin returns. The error is CUE's message text, not a Rust error: it becomes an
/// error value (`_|_`, "error in call to base64.Decode: ...") inside the evaluated tree, which
/// a program may discard (`*x | default`) or report as a [`crate::Error::Eval`] message. A
/// foreign error (base64, number rounding) is therefore rendered to text where it happens.
pub(crate) type R = Result<Val, String>;

/// Argument `i` of a builtin call, or an error naming the missing one (never a panic: a call
/// may have fewer arguments than the builtin takes).
pub(crate) fn arg(args: &[Val], i: usize) -> Result<&Val, String> {
    args.get(i)
        .ok_or_else(|| format!("not enough arguments: argument {} is missing", i + 1))
}

pub(crate) fn want_args(args: &[Val], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!("expected {n} arguments, got {}", args.len()));
    }
    Ok(())
}

pub(crate) fn not_concrete(ctx: &Ctx, v: &Val) -> String {
    format!("incomplete: non-concrete argument {}", ctx.describe(v))
}

pub(crate) fn arg_str(ctx: &Ctx, v: &Val) -> Result<Name, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        v if !ctx.is_concrete(v) => Err(not_concrete(ctx, v)),
        v => Err(format!("cannot use {} as string", ctx.describe(v))),
    }
}

/// An argument of Go type `int` (int64), as CUE's builtins take them (`CallCtxt.Int`): an
/// integer of more than 64 bits is an error ("overflows int64"), a 64-bit one beyond int64 is
/// clamped to int64's range; so no later conversion to an index or count can wrap.
pub(crate) fn arg_int(ctx: &Ctx, v: &Val) -> Result<i128, String> {
    match v {
        Val::Int(i) if i.unsigned_abs() >> 64 != 0 => Err(format!("int {i} overflows int64")),
        Val::Int(i) => Ok((*i).clamp(i64::MIN.into(), i64::MAX.into())),
        Val::Num(n) if n.int => Err(format!("int {n} overflows int64")),
        v if !ctx.is_concrete(v) => Err(not_concrete(ctx, v)),
        v => Err(format!("cannot use {} as int", ctx.describe(v))),
    }
}

pub(crate) fn arg_list(ctx: &Ctx, v: &Val) -> Result<Rc<List>, String> {
    match v {
        Val::List(l) => Ok(l.clone()),
        v if !ctx.is_concrete(v) => Err(not_concrete(ctx, v)),
        v => Err(format!("cannot use {} as list", ctx.describe(v))),
    }
}

fn len(ctx: &Ctx, args: &[Val]) -> R {
    want_args(args, 1)?;
    Ok(Val::Int(match &args[0] {
        Val::List(l) => l.elems.len() as i128,
        Val::Str(s) => s.len() as i128,
        Val::Bytes(b) => b.len() as i128,
        Val::Struct(id) => ctx.regular_fields(*id).len() as i128,
        v if !ctx.is_concrete(v) => return Err(not_concrete(ctx, v)),
        v => return Err(format!("invalid argument {} for len", ctx.describe(v))),
    }))
}

fn int_div(name: &str, args: &[Val]) -> R {
    use crate::num::IntOp;
    want_args(args, 2)?;
    let op = match name {
        "div" => IntOp::Div,
        "mod" => IntOp::Mod,
        "quo" => IntOp::Quo,
        _ => IntOp::Rem,
    };
    if let (Val::Int(a), Val::Int(b)) = (&args[0], &args[1]) {
        let (a, b) = (*a, *b);
        if b == 0 {
            return Err("division by zero".into());
        }
        // (i128::MIN / -1 overflows: the decimal path below handles it)
        let r = match op {
            IntOp::Div => a.checked_div_euclid(b),
            IntOp::Mod => a.checked_rem_euclid(b),
            IntOp::Quo => a.checked_div(b),
            IntOp::Rem => a.checked_rem(b),
        };
        // (a truncated zero of a negative operand is `-0`: the decimal path keeps its sign)
        let neg_zero = match op {
            IntOp::Quo => (a < 0) != (b < 0),
            IntOp::Rem => a < 0,
            IntOp::Div | IntOp::Mod => false,
        };
        if let Some(r) = r.filter(|r| *r != 0 || !neg_zero) {
            return Ok(Val::Int(r));
        }
    }
    match (&args[0], &args[1]) {
        (a @ (Val::Int(_) | Val::Num(_)), b @ (Val::Int(_) | Val::Num(_)))
            if a.kind() == crate::value::kind::INT && b.kind() == crate::value::kind::INT =>
        {
            let (x, y) = (
                a.as_num().ok_or("expected int")?,
                b.as_num().ok_or("expected int")?,
            );
            x.int_op(op, &y).map(Val::num).map_err(|e| e.to_string())
        }
        (a, b) => Err(format!(
            "invalid operands to '{name}' (type {} and {})",
            crate::value::kind::name(a.kind()),
            crate::value::kind::name(b.kind())
        )),
    }
}

fn close(ctx: &Ctx, args: Vec<Val>, pos: u32) -> Val {
    if args.len() != 1 {
        return Val::bottom("close: expected 1 argument", pos);
    }
    match ctx.default_of(&args[0]) {
        Val::Struct(id) => {
            let g = ctx.fresh_gid();
            let n = ctx.node(id);
            let conjs: crate::eval::Conjs = n
                .base_conjs()
                .into_iter()
                .map(|mut c| {
                    if c.gid.is_none() {
                        c.gid = Some(g);
                    }
                    c
                })
                .collect();
            Val::Struct(ctx.new_node(conjs, n.parent, n.label.clone()))
        }
        Val::Bottom(b) => Val::Bottom(b),
        v => Val::bottom(
            format!("close: argument must be a struct, found {}", ctx.describe(&v)),
            pos,
        ),
    }
}

fn and_or(ctx: &Ctx, args: Vec<Val>, and: bool, pos: u32) -> Val {
    if args.len() != 1 {
        return Val::bottom("expected 1 argument", pos);
    }
    let l = match ctx.resolve(args[0].clone()) {
        Val::List(l) => l,
        Val::Bottom(b) => return Val::Bottom(b),
        v => return Val::bottom(format!("expected list, found {}", ctx.describe(&v)), pos),
    };
    if and {
        l.elems.iter().fold(Val::Top, |acc, e| ctx.unify(acc, e.clone()))
    } else {
        let n = l.elems.len();
        ctx.make_disj(l.elems.clone(), vec![false; n], None, pos)
    }
}
