//! Runtime values of the evaluator.

use std::rc::Rc;
use std::sync::Arc;

use std::borrow::Cow;

use crate::ast::{Name, Op};
use crate::num::Num;

/// Index of a struct node in an evaluation arena.
pub type NodeId = u32;

/// Bit set of basic kinds, used for type constraints like `string` or `number`.
pub mod kind {
    /// `null`
    pub const NULL: u16 = 1;
    /// `bool`
    pub const BOOL: u16 = 2;
    /// `int`
    pub const INT: u16 = 4;
    /// `float`
    pub const FLOAT: u16 = 8;
    /// `string`
    pub const STRING: u16 = 16;
    /// `bytes`
    pub const BYTES: u16 = 32;
    /// list
    pub const LIST: u16 = 64;
    /// struct
    pub const STRUCT: u16 = 128;
    /// `number`
    pub const NUMBER: u16 = INT | FLOAT;
    /// every kind (`_`)
    pub const TOP: u16 = 255;

    /// CUE spelling of a kind set.
    pub fn name(k: u16) -> String {
        let mut parts = Vec::new();
        if k & NUMBER == NUMBER {
            parts.push("number");
        } else if k & INT != 0 {
            parts.push("int");
        } else if k & FLOAT != 0 {
            parts.push("float");
        }
        for (b, n) in [
            (NULL, "null"),
            (BOOL, "bool"),
            (STRING, "string"),
            (BYTES, "bytes"),
            (LIST, "list"),
            (STRUCT, "struct"),
        ] {
            if k & b != 0 {
                parts.push(n);
            }
        }
        if k == TOP {
            return "_".into();
        }
        parts.sort_by_key(|p| match *p {
            "null" => 0,
            "bool" => 1,
            "int" | "float" | "number" => 2,
            "string" => 3,
            "bytes" => 4,
            "list" => 5,
            _ => 6,
        });
        parts.join("|")
    }
}

/// An error value (`_|_`).
#[derive(Debug, Clone)]
pub struct Bottom {
    /// Message, e.g. `conflicting values 1 and 2`.
    pub msg: String,
    /// Source offset of the expression that failed (`u32::MAX` if unknown).
    pub pos: u32,
    /// True when the value is merely incomplete (missing field, not concrete yet, cycle).
    pub incomplete: bool,
    /// Field path, filled in when the error passes through a field.
    pub path: Option<String>,
    /// Field (parent struct and label) where the error surfaced; the path is computed from it
    /// only when the error is reported.
    pub at: Option<(NodeId, Name)>,
}

/// A list value: its elements and the type of further elements (`None` = closed).
#[derive(Debug, Clone)]
pub struct List {
    /// Elements.
    pub elems: Vec<Val>,
    /// Element type of the open tail; `None` when the list is closed.
    pub tail: Option<Val>,
}

/// A disjunction with default marks.
#[derive(Debug, Clone)]
pub struct Disj {
    /// Alternatives.
    pub alts: Vec<Val>,
    /// Per alternative: whether it is a default.
    pub dflt: Vec<bool>,
}

impl Disj {
    /// Whether any alternative is a default.
    pub fn has_default(&self) -> bool {
        self.dflt.iter().any(|d| *d)
    }
}

/// A builtin validator: the builtin `name` applied to the value first, then `args`.
#[derive(Debug, Clone)]
pub struct Validator {
    /// Qualified builtin name, e.g. `list.MinItems`.
    pub name: Name,
    /// The arguments after the value.
    pub args: Vec<Val>,
    /// Kinds of value the validator applies to.
    pub kind: u16,
}

/// A value.
#[derive(Debug, Clone)]
pub enum Val {
    /// `_`
    Top,
    /// `_|_` with the reason.
    Bottom(Rc<Bottom>),
    /// `null`
    Null,
    /// Boolean.
    Bool(bool),
    /// Integer (the fast path: an exact integer that fits `i128`).
    Int(i128),
    /// Any other number: a float, or an integer that is beyond `i128`, has an exponent
    /// (`1.2E+40` after rounding) or is a negative zero. Built with [`Val::num`], which keeps
    /// the integers that fit in [`Val::Int`].
    Num(Arc<Num>),
    /// String.
    Str(Name),
    /// Bytes.
    Bytes(Arc<[u8]>),
    /// Basic type constraint (bit set from [`kind`]).
    Kind(u16),
    /// Bound or validator: `<`, `<=`, `>`, `>=`, `!=`, `=~`, `!~` with a concrete operand.
    Bound(Op, Rc<Val>),
    /// Conjunction of non-concrete constraints, e.g. `int & >=1`.
    Conj(Rc<[Val]>),
    /// Struct (lazily evaluated node in the arena).
    Struct(NodeId),
    /// List.
    List(Rc<List>),
    /// Disjunction.
    Disj(Rc<Disj>),
    /// A builtin function (qualified name, e.g. `strings.ToLower`).
    Func(Name),
    /// A builtin used as a validator: called without its first argument (`list.MinItems(2)`,
    /// `struct.MinFields(1)`), it constrains the value it is unified with.
    Validator(Rc<Validator>),
    /// An imported package that has no CUE source (stdlib).
    Pkg(Name),
}

impl Val {
    /// Construct an error value.
    pub fn bottom(msg: impl Into<String>, pos: u32) -> Val {
        Val::Bottom(Rc::new(Bottom {
            msg: msg.into(),
            pos,
            incomplete: false,
            path: None,
            at: None,
        }))
    }
    /// Construct an incomplete error value.
    pub fn incomplete(msg: impl Into<String>, pos: u32) -> Val {
        Val::Bottom(Rc::new(Bottom {
            msg: msg.into(),
            pos,
            incomplete: true,
            path: None,
            at: None,
        }))
    }
    /// A number value: [`Val::Int`] for an integer with no exponent that fits `i128` (and is not
    /// a negative zero), [`Val::Num`] otherwise.
    pub fn num(n: Num) -> Val {
        if let Some(i) = n
            .to_i128()
            .filter(|_| n.int && n.exp == 0 && !(n.neg && n.is_zero()))
        {
            return Val::Int(i);
        }
        Val::Num(Arc::new(n))
    }
    /// Is this a number (`int` or `float`)?
    pub fn is_number(&self) -> bool {
        matches!(self, Val::Int(_) | Val::Num(_))
    }
    /// The number in a number value.
    pub fn as_num(&self) -> Option<Cow<'_, Num>> {
        match self {
            Val::Int(i) => Some(Cow::Owned(Num::from_i128(*i))),
            Val::Num(n) => Some(Cow::Borrowed(n)),
            _ => None,
        }
    }
    /// Is this `_|_`?
    pub fn is_bottom(&self) -> bool {
        matches!(self, Val::Bottom(_))
    }
    /// Is this a concrete scalar (null, bool, number, string, bytes)?
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Val::Null | Val::Bool(_) | Val::Int(_) | Val::Num(_) | Val::Str(_) | Val::Bytes(_)
        )
    }
    /// The kind bits of a value (0 for bottom, all for top).
    pub fn kind(&self) -> u16 {
        match self {
            Val::Top => kind::TOP,
            Val::Bottom(_) => 0,
            Val::Null => kind::NULL,
            Val::Bool(_) => kind::BOOL,
            Val::Int(_) => kind::INT,
            Val::Num(n) => {
                if n.int {
                    kind::INT
                } else {
                    kind::FLOAT
                }
            }
            Val::Str(_) => kind::STRING,
            Val::Bytes(_) => kind::BYTES,
            Val::Kind(k) => *k,
            Val::Bound(op, v) => match op {
                Op::Match | Op::NotMatch => kind::STRING | kind::BYTES,
                Op::Ne => kind::TOP,
                _ => match **v {
                    Val::Str(_) => kind::STRING,
                    Val::Bytes(_) => kind::BYTES,
                    _ => kind::NUMBER,
                },
            },
            Val::Conj(cs) => cs.iter().fold(kind::TOP, |k, c| k & c.kind()),
            Val::Struct(_) => kind::STRUCT,
            Val::List(_) => kind::LIST,
            Val::Disj(d) => d.alts.iter().fold(0, |k, a| k | a.kind()),
            Val::Func(_) | Val::Pkg(_) => kind::STRUCT,
            Val::Validator(v) => v.kind,
        }
    }
}
