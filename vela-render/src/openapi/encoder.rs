//! The structural encoder (CUE's `encoding/openapi` generator with `ExpandReferences`): the
//! core of a value is gathered from its alternatives and conjuncts, then each part fills a
//! [`Builder`].

use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};
use vela_cue::{Bound, Constraint};
use vela_cue::{Kind, Value};

use super::Error;
use super::builder::Builder;
use super::cue_expr::{
    Expr, doc, expr, extract_format, is_null, is_scalar, kind_is, same, split_and, split_or, subsumes,
    type_name,
};

/// What the encoder learns about a value before filling its schema (CUE's "core" builder of a
/// structural schema): its doc, kinds, the distinct values seen (alternatives and
/// conjuncts of a struct), the union of the fields of all of them and the element type.
#[derive(Default)]
pub(super) struct Core<'a> {
    pub(super) doc: Option<String>,
    pub(super) format: &'static str,
    pub(super) kind: Vec<Kind>,
    pub(super) values: Vec<Value<'a>>,
    pub(super) keys: Vec<String>,
    pub(super) properties: HashMap<String, Core<'a>>,
    pub(super) items: Option<Box<Core<'a>>>,
}

#[derive(Default)]
pub(super) struct Gen {
    path: Vec<String>,
    /// Nesting of `build_core`; past [`MAX_DEPTH`] the structure is taken as cyclic.
    depth: usize,
    cyclic: bool,
}

/// How deep schemas may nest. CUE's encoder overflows its stack on a recursive parameter
/// type (`#Tree: {children?: [...#Tree]}`, KubeVela's controller then crashes); we stop
/// with an error instead.
pub(super) const MAX_DEPTH: usize = 64;

impl Gen {
    pub(super) fn fail(&self, message: impl Into<String>) -> Error {
        Error::Unsupported {
            path: self.path.join("."),
            message: message.into(),
        }
    }

    /// The schema of `v` (CUE's `builder.schema`): in structural mode a core is gathered first
    /// unless the caller already has one for this position.
    pub(super) fn schema<'a>(
        &mut self,
        core: Option<&Core<'a>>,
        v: &Value<'a>,
    ) -> Result<Map<String, Json>, Error> {
        if let Some(core) = core {
            let mut b = Builder {
                core: Some(core),
                ..Builder::default()
            };
            return self.fill_schema(&mut b, v);
        }
        if self.path.len() > MAX_DEPTH {
            return Err(self.fail("cyclic structures are not supported"));
        }
        let mut c = Core::default();
        self.build_core(&mut c, v);
        if self.cyclic {
            return Err(self.fail("cyclic structures are not supported"));
        }
        self.core_schema(&c, Some(v))
    }

    pub(super) fn build_core<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        if self.depth > MAX_DEPTH {
            self.cyclic = true;
            return;
        }
        self.depth += 1;
        self.build_core_at(c, v);
        self.depth -= 1;
    }

    pub(super) fn build_core_at<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        if let Some(d) = doc(v) {
            c.doc = Some(d);
        }
        if let Some(f) = extract_format(v) {
            c.format = f;
        } else {
            self.gather(c, v);
        }
        if !c.values.iter().any(|x| same(x, v)) {
            c.values.push(v.clone());
        }
    }

    /// The kind, fields and element type part of [`Gen::build_core`].
    pub(super) fn gather<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        c.kind = v.possible_kinds();
        if kind_is(&c.kind, Kind::Struct) {
            if let Some(t) = v.any_field() {
                let items = c.items.get_or_insert_with(Box::default);
                self.build_core(items, &t);
            }
            if let Expr::Or(args) | Expr::And(args) = expr(v) {
                for a in &args {
                    self.build_core(c, a);
                }
            }
            let fields = match v.default_value() {
                Some(d) => d.declared_fields(),
                None => v.declared_fields(),
            };
            for f in fields {
                if !c.properties.contains_key(&f.label) {
                    c.keys.push(f.label.clone());
                }
                let sub = c.properties.entry(f.label).or_default();
                self.build_core(sub, &f.value);
            }
        } else if kind_is(&c.kind, Kind::List)
            && let Some(t) = v.list_tail()
        {
            let items = c.items.get_or_insert_with(Box::default);
            self.build_core(items, &t);
        }
    }

    /// CUE's `coreSchema`: the structural part (type, properties, additionalProperties,
    /// items) from the core, then the schema of the value when there was only one. The
    /// structural parts are computed at [`Gen::finish`], only where filling the value did not
    /// replace them (CUE computes both).
    pub(super) fn core_schema<'a>(
        &mut self,
        c: &Core<'a>,
        top: Option<&Value<'a>>,
    ) -> Result<Map<String, Json>, Error> {
        let mut b = Builder {
            me: Some(c),
            format: c.format,
            ..Builder::default()
        };
        if let Some(d) = &c.doc {
            b.single.insert("description".into(), json!(d));
        }
        if kind_is(&c.kind, Kind::List) {
            if c.items.is_some() {
                b.set_type("array");
                b.pending.push(("items", None));
            }
        } else if kind_is(&c.kind, Kind::Struct) {
            if !c.keys.is_empty() || c.items.is_some() {
                b.set_type("object");
            }
            if !c.keys.is_empty() {
                b.single.insert("properties".into(), Json::Object(Map::new()));
                b.pending
                    .extend(c.keys.iter().map(|k| ("properties", Some(k.clone()))));
            }
            if c.items.is_some() {
                b.pending.push(("additionalProperties", None));
            }
        }
        if c.values.len() == 1 {
            return self.fill_schema(&mut b, &c.values[0]);
        }
        match top {
            Some(v) => self.fill_schema(&mut b, v),
            None => self.finish(&mut b),
        }
    }

    /// CUE's `builder.finish`, after computing the structural parts still pending.
    pub(super) fn finish(&mut self, b: &mut Builder<'_, '_>) -> Result<Map<String, Json>, Error> {
        let pending = std::mem::take(&mut b.pending);
        if let Some(core) = b.me {
            for (key, label) in pending {
                match (key, label) {
                    ("properties", Some(label)) => {
                        self.path.push(label.clone());
                        let s = self.core_schema(&core.properties[&label], None)?;
                        self.path.pop();
                        if let Some(Json::Object(p)) = b.single.get_mut("properties") {
                            p.insert(label, Json::Object(s));
                        }
                    }
                    (key, _) => {
                        if let Some(items) = &core.items {
                            self.path.push("*".into());
                            let s = self.core_schema(items, None)?;
                            self.path.pop();
                            b.single.insert(key.into(), Json::Object(s));
                        }
                    }
                }
            }
        }
        Ok(b.finish())
    }

    /// CUE's `fillSchema`.
    pub(super) fn fill_schema<'a>(
        &mut self,
        b: &mut Builder<'_, 'a>,
        v: &Value<'a>,
    ) -> Result<Map<String, Json>, Error> {
        if b.core.is_none()
            && let Some(t) = type_name(&v.possible_kinds())
        {
            b.typ = t;
        }
        b.format = extract_format(v).unwrap_or_default();
        if b.core.is_none_or(|c| c.values.len() > 1) {
            self.value(b, v)?;
        }
        self.finish(b)
    }

    /// CUE's `builder.value`: every conjunct of `v` (enums for concrete ones, a oneOf for
    /// disjunctions), then the default.
    pub(super) fn value<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        for c in split_and(v) {
            if is_scalar(&c) {
                self.dispatch(b, &c)?;
                if b.core.is_none() {
                    b.set("enum", json!([c.to_json().unwrap_or(Json::Null)]));
                }
                continue;
            }
            let alts = split_or(&c);
            match alts.len() {
                0 => {}
                1 => {
                    if let Some(e) = alts[0].err()
                        && alts[0].possible_kinds().is_empty()
                    {
                        return Err(self.fail(format!("openapi: {e}")));
                    }
                    self.dispatch(b, &alts[0])?;
                }
                _ => self.disjunction(b, &alts)?,
            }
        }
        // a default equal to another alternative is no default (CUE merges equal alternatives:
        // `*{} | {...}`)
        let alts = v.disjuncts();
        if let Some(d) = v.default_value()
            && !alts
                .iter()
                .any(|a| !a.is_default && subsumes(&a.value, &d) && subsumes(&d, &a.value))
            && let Ok(dj) = d.to_json()
            && !dj.is_null()
            && dj.as_array().is_none_or(|a| !a.is_empty())
            && b.core.is_none()
        {
            b.set("default", dj);
        }
        Ok(())
    }

    pub(super) fn disjunction<'a>(
        &mut self,
        b: &mut Builder<'_, 'a>,
        alts: &[Value<'a>],
    ) -> Result<(), Error> {
        let mut enums = Vec::new();
        let mut disjuncts = Vec::new();
        let mut nullable = false;
        for a in alts {
            if is_null(a) {
                nullable = true;
            } else if is_scalar(a) {
                enums.push(a.to_json().unwrap_or(Json::Null));
            } else {
                disjuncts.push(a.clone());
            }
        }
        if disjuncts.is_empty() || (disjuncts.len() == 1 && enums.is_empty()) {
            if disjuncts.len() == 1 {
                self.value(b, &disjuncts[0])?;
            }
            if !enums.is_empty() && b.core.is_none() {
                b.set("enum", Json::Array(enums));
            }
            if nullable {
                b.single.insert("nullable".into(), json!(true));
            }
            return Ok(());
        }
        let mut any_of = Vec::new();
        if !enums.is_empty() {
            any_of.push(json!({"enum": enums}));
        }
        if nullable {
            b.single.insert("nullable".into(), json!(true));
        }
        let core = b.core.or(b.me);
        for d in &disjuncts {
            if d.embeds_reference() {
                // CUE keeps an alternative that is a reference unevaluated and reports the
                // reference its struct embeds as a conjunct of its own: a selector
                return Err(self.fail("unsupported op . for object type"));
            }
            let mut c = Builder {
                core,
                typ: b.typ,
                format: b.format,
                ..Builder::default()
            };
            self.value(&mut c, d)?;
            let t = self.finish(&mut c)?;
            if t.is_empty() && c.typ.is_empty() {
                return Ok(());
            }
            any_of.push(Json::Object(t));
        }
        b.set("oneOf", Json::Array(any_of));
        Ok(())
    }

    pub(super) fn dispatch<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        match v.possible_kinds().as_slice() {
            [Kind::Null] => {
                b.single.insert("nullable".into(), json!(true));
            }
            [Kind::Bool] => b.set_type("boolean"),
            [Kind::Float] | [Kind::Int, Kind::Float] => {
                b.set_type("number");
                self.number(b, v)?;
            }
            [Kind::Int] => {
                b.set_type("integer");
                self.number(b, v)?;
            }
            [Kind::Bytes] => b.set_type("string"),
            [Kind::String] => {
                b.set_type("string");
                self.string(b, v)?;
            }
            [Kind::Struct] => {
                b.set_type("object");
                self.object(b, v)?;
            }
            [Kind::List] => {
                b.set_type("array");
                self.array(b, v)?;
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn validator_int(&self, args: &[Value<'_>], name: &str) -> Result<Json, Error> {
        match args {
            [a] => a
                .to_json()
                .ok()
                .filter(Json::is_i64)
                .ok_or_else(|| self.fail(format!("could not retrieve int from {name} argument"))),
            _ => Err(self.fail(format!("{name} must be used with 1 arguments"))),
        }
    }

    pub(super) fn object<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((name, args)) = v.validator() {
            match name.as_str() {
                "struct.MinFields" => b.set("minProperties", self.validator_int(&args, &name)?),
                "struct.MaxFields" => b.set("maxProperties", self.validator_int(&args, &name)?),
                _ => {}
            }
            return Ok(());
        }
        if let Expr::And(_) | Expr::Or(_) = expr(v) {
            return Err(self.fail("unsupported op for object type"));
        }
        let fields = v.declared_fields();
        // CUE evaluates the struct first: a struct validator it does not satisfy fails,
        // the others are gone
        for (name, args) in v.struct_validators() {
            let regular = fields
                .iter()
                .filter(|f| f.constraint == Constraint::Regular)
                .count();
            if name == "struct.MinFields"
                && self
                    .validator_int(&args, &name)?
                    .as_u64()
                    .is_some_and(|n| regular < n as usize)
            {
                return Err(self.fail(format!("openapi: invalid value (does not satisfy {name})")));
            }
        }
        let required: Vec<Json> = fields
            .iter()
            .filter(|f| f.constraint == Constraint::Regular)
            .map(|f| json!(f.label))
            .collect();
        if !required.is_empty() {
            b.set("required", Json::Array(required));
        }
        let had_props = b.single.contains_key("properties");
        let mut props = match b.single.remove("properties") {
            Some(Json::Object(m)) => m,
            _ => Map::new(),
        };
        for f in &fields {
            let core = b.core.and_then(|c| c.properties.get(&f.label));
            self.path.push(f.label.clone());
            let s = self.schema(core, &f.value)?;
            self.path.pop();
            if b.core.is_none() || !s.is_empty() {
                b.pending
                    .retain(|(k, l)| !(*k == "properties" && l.as_deref() == Some(f.label.as_str())));
                props.insert(f.label.clone(), Json::Object(s));
            }
        }
        if had_props || !props.is_empty() {
            b.single.insert("properties".into(), Json::Object(props));
        }
        if let Some(t) = v.any_field()
            && b.core.is_none_or(|c| c.items.is_none())
        {
            self.path.push("*".into());
            let s = self.schema(None, &t)?;
            self.path.pop();
            if !s.is_empty() {
                b.pending.retain(|(k, _)| *k != "additionalProperties");
                b.single.insert("additionalProperties".into(), Json::Object(s));
            }
        }
        Ok(())
    }

    pub(super) fn array<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((name, args)) = v.validator() {
            // CUE evaluates the list first: its validators are gone, except that an open
            // list that must not be empty fails
            if name == "list.MinItems" && self.validator_int(&args, &name)?.as_i64() > Some(0) {
                return Err(self.fail(format!("openapi: invalid value [] (does not satisfy {name})")));
            }
            return Ok(());
        }
        if let Expr::And(_) | Expr::Or(_) = expr(v) {
            return Err(self.fail("unsupported op for array type"));
        }
        if !v.elements().is_empty() {
            // CUE's encoder writes one schema per element (`items: [...]`), which kin-openapi
            // cannot load (or which conflicts with the open list's `items`)
            return Err(self.fail("cannot unmarshal array into field Schema.items"));
        }
        if let Some(t) = v.list_tail() {
            let core = b.core.and_then(|c| c.items.as_deref());
            self.path.push("*".into());
            let s = self.schema(core, &t)?;
            self.path.pop();
            if b.core.is_none() || !s.is_empty() {
                b.pending.retain(|(k, _)| *k != "items");
                b.single.insert("items".into(), Json::Object(s));
            }
        }
        Ok(())
    }

    pub(super) fn bound_number(&self, v: &Value<'_>) -> Result<Json, Error> {
        v.to_json().map_err(|e| self.fail(e.to_string()))
    }

    pub(super) fn number<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((op, x)) = v.bound() {
            let n = self.bound_number(&x)?;
            match op {
                Bound::Lt => {
                    b.set("exclusiveMaximum", json!(true));
                    b.set("maximum", n);
                }
                Bound::Le => b.set("maximum", n),
                Bound::Gt => {
                    b.set("exclusiveMinimum", json!(true));
                    b.set("minimum", n);
                }
                Bound::Ge => b.set("minimum", n),
                Bound::Ne => b.add(json!({"not": {"allOff": [{"minimum": n}, {"maximum": n}]}})),
                _ => return Err(self.fail(format!("unsupported op for number {}", op.text()))),
            }
            return Ok(());
        }
        if let Some((name, args)) = v.validator() {
            if name == "math.MultipleOf" {
                b.set("multipleOf", self.validator_int(&args, &name)?);
            }
            return Ok(());
        }
        match expr(v) {
            Expr::Leaf | Expr::Single(_) => Ok(()),
            Expr::And(_) => Err(self.fail("unsupported op for number &")),
            Expr::Or(_) => Err(self.fail("unsupported op for number |")),
        }
    }

    pub(super) fn string<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((op, x)) = v.bound() {
            let re = match x.to_json() {
                Ok(Json::String(s)) => s,
                _ => return Err(self.fail("regexp value must be a string")),
            };
            match op {
                Bound::Match => b.set("pattern", json!(re)),
                Bound::NotMatch => b.add(json!({"not": {"pattern": re}})),
                _ => return Err(self.fail(format!("unsupported op {} for string type", op.text()))),
            }
            return Ok(());
        }
        if let Some((name, args)) = v.validator() {
            match name.as_str() {
                "strings.MinRunes" => b.set("minLength", self.validator_int(&args, &name)?),
                "strings.MaxRunes" => b.set("maxLength", self.validator_int(&args, &name)?),
                _ => {}
            }
            return Ok(());
        }
        match expr(v) {
            Expr::Leaf | Expr::Single(_) => Ok(()),
            Expr::And(_) => Err(self.fail("unsupported op & for string type")),
            Expr::Or(_) => Err(self.fail("unsupported op | for string type")),
        }
    }
}
