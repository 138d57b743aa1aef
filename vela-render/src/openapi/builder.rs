//! The schema under construction for one value (CUE's `builder`): `type`, keywords, and the
//! `allOf` parts a repeated keyword starts.

use serde_json::{Map, Value as Json, json};

use super::cue_expr::format_bounds;
use super::encoder::Core;

/// The schema under construction for one value (CUE's `builder`).
#[derive(Default)]
pub(super) struct Builder<'c, 'a> {
    pub(super) typ: &'static str,
    pub(super) format: &'static str,
    pub(super) single: Map<String, Json>,
    pub(super) all_of: Vec<Map<String, Json>>,
    pub(super) current: Option<usize>,
    /// Core of the value this builder fills a non-core schema for (alternatives of a oneOf).
    pub(super) core: Option<&'c Core<'a>>,
    /// The core gathered for this very value (a structural builder).
    pub(super) me: Option<&'c Core<'a>>,
    /// Structural parts of `me` not computed yet: `properties` (with the label), `items`,
    /// `additionalProperties`.
    pub(super) pending: Vec<(&'static str, Option<String>)>,
}

impl<'c, 'a> Builder<'c, 'a> {
    pub(super) fn set_type(&mut self, t: &'static str) {
        if self.typ.is_empty() {
            self.typ = t;
        }
    }

    /// CUE's `builder.set`: a key already set starts a new `allOf` part.
    pub(super) fn set(&mut self, key: &str, v: Json) {
        let start_new = match self.current {
            None => true,
            Some(i) => self.all_of[i].contains_key(key),
        };
        if start_new {
            self.all_of.push(Map::new());
            self.current = Some(self.all_of.len() - 1);
        }
        if let Some(i) = self.current {
            self.all_of[i].insert(key.to_string(), v);
        }
    }

    pub(super) fn add(&mut self, part: Json) {
        if let Json::Object(m) = part {
            self.all_of.push(m);
        }
    }

    /// CUE's `builder.finish`.
    pub(super) fn finish(&mut self) -> Map<String, Json> {
        let t = match self.all_of.len() {
            0 => Map::new(),
            1 => self.all_of[0].clone(),
            _ => {
                let mut m = Map::new();
                m.insert(
                    "allOf".into(),
                    Json::Array(self.all_of.iter().cloned().map(Json::Object).collect()),
                );
                m
            }
        };
        let mut out = self.single.clone();
        for (k, v) in t {
            out.insert(k, v);
        }
        if !self.typ.is_empty() && self.core.is_none() && !out.contains_key("type") {
            out.insert("type".into(), json!(self.typ));
        }
        if !self.format.is_empty() && self.core.is_none_or(|c| c.format != self.format) {
            out.insert("format".into(), json!(self.format));
        }
        // bounds that only restate the format go
        if matches!(self.typ, "number" | "integer")
            && let Some((lo, hi)) = format_bounds(self.format)
        {
            if out.get("minimum").and_then(Json::as_f64) == Some(lo) {
                out.remove("minimum");
            }
            if out.get("maximum").and_then(Json::as_f64) == Some(hi) {
                out.remove("maximum");
            }
        }
        out
    }
}
