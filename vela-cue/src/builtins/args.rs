//! Typed access to a builtin's arguments, with CUE's messages for a wrong or missing one.

use std::borrow::Cow;
use std::rc::Rc;

use super::{arg, arg_int, arg_list, arg_str, not_concrete};
use crate::ast::Name;
use crate::eval::Ctx;
use crate::num::Num;
use crate::value::{List, Val};

/// The resolved arguments of one call.
pub(crate) struct Args<'a> {
    pub ctx: &'a Ctx,
    pub vals: &'a [Val],
}

impl<'a> Args<'a> {
    /// Wrap the resolved arguments `vals`.
    pub(crate) fn new(ctx: &'a Ctx, vals: &'a [Val]) -> Self {
        Args { ctx, vals }
    }
    /// Argument `i`, or an error naming it when it is missing.
    pub(crate) fn val(&self, i: usize) -> Result<&'a Val, String> {
        arg(self.vals, i)
    }
    pub(crate) fn str(&self, i: usize) -> Result<Name, String> {
        arg_str(self.ctx, self.val(i)?)
    }
    pub(crate) fn int(&self, i: usize) -> Result<i128, String> {
        arg_int(self.ctx, self.val(i)?)
    }
    /// An integer argument that must fit Go's `int` (64 bits).
    pub(crate) fn int64(&self, i: usize) -> Result<i64, String> {
        let n = self.int(i)?;
        i64::try_from(n).map_err(|_| format!("int {n} overflows int64"))
    }
    pub(crate) fn bool(&self, i: usize) -> Result<bool, String> {
        match self.val(i)? {
            Val::Bool(b) => Ok(*b),
            v if !self.ctx.is_concrete(v) => Err(not_concrete(self.ctx, v)),
            v => Err(format!("cannot use {} as bool", self.ctx.describe(v))),
        }
    }
    pub(crate) fn list(&self, i: usize) -> Result<Rc<List>, String> {
        arg_list(self.ctx, self.val(i)?)
    }
    /// A list argument's elements, each resolved to its value.
    pub(crate) fn elems(&self, i: usize) -> Result<Vec<Val>, String> {
        let l = self.list(i)?;
        Ok(l.elems.iter().map(|e| self.ctx.resolve(e.clone())).collect())
    }
    /// A list of strings.
    pub(crate) fn strs(&self, i: usize) -> Result<Vec<Name>, String> {
        self.elems(i)?.iter().map(|e| arg_str(self.ctx, e)).collect()
    }
    pub(crate) fn num(&self, i: usize) -> Result<Cow<'a, Num>, String> {
        let v = self.val(i)?;
        match v.as_num() {
            Some(n) => Ok(n),
            None if !self.ctx.is_concrete(v) => Err(not_concrete(self.ctx, v)),
            None => Err(format!("cannot use {} as number", self.ctx.describe(v))),
        }
    }
    /// A number argument as Go's `float64`.
    pub(crate) fn f64(&self, i: usize) -> Result<f64, String> {
        Ok(self.num(i)?.to_f64())
    }
    /// A `[]byte` argument: bytes or a string.
    pub(crate) fn bytes(&self, i: usize) -> Result<Cow<'a, [u8]>, String> {
        match self.val(i)? {
            Val::Str(s) => Ok(Cow::Borrowed(s.as_bytes())),
            Val::Bytes(b) => Ok(Cow::Borrowed(b)),
            v if !self.ctx.is_concrete(v) => Err(not_concrete(self.ctx, v)),
            v => Err(format!("cannot use {} as bytes", self.ctx.describe(v))),
        }
    }
    /// Exactly `n` arguments.
    pub(crate) fn want(&self, n: usize) -> Result<(), String> {
        super::want_args(self.vals, n)
    }
}

/// A string value.
pub(crate) fn s(x: impl Into<Name>) -> Val {
    Val::Str(x.into())
}

/// A closed list of values.
pub(crate) fn list(elems: Vec<Val>) -> Val {
    Val::List(Rc::new(List { elems, tail: None }))
}

/// A closed list of strings.
pub(crate) fn strs<S: Into<Name>>(v: impl IntoIterator<Item = S>) -> Val {
    list(v.into_iter().map(|x| Val::Str(x.into())).collect())
}

/// An integer value.
pub(crate) fn int(i: impl Into<i128>) -> Val {
    Val::Int(i.into())
}

/// A struct of the given fields, in this order.
pub(crate) fn record(ctx: &Ctx, fields: Vec<(Name, Val)>) -> Val {
    Val::Struct(ctx.new_node(smallvec::smallvec![crate::eval::Conj::fields(fields)], None, None))
}
