//! The environment of a file: its imports resolved to the program's packages (compiled once
//! per evaluation, cycles refused) or to standard-library packages.

use std::collections::HashMap;
use std::rc::Rc;

use super::Program;
use crate::ast::{File, Name};
use crate::error::{Error, Result};
use crate::eval::{Conj, Ctx, Env, FrameKind};
use crate::value::{NodeId, Val};

pub(super) fn file_env(
    ctx: &Ctx,
    program: &Program,
    file: &File,
    root: Option<NodeId>,
    cache: &mut HashMap<String, Val>,
    depth: usize,
) -> Result<Env> {
    let mut imports: HashMap<Name, Val> = HashMap::new();
    for imp in &file.imports {
        // an unknown package is an error only where it is used
        let v = match import_value(ctx, program, &imp.path, cache, depth) {
            Some(v) => v?,
            None => Val::bottom(format!("package {:?} not found", imp.path), imp.pos),
        };
        imports.insert(imp.name.clone(), v);
    }
    Ok(ctx.push(
        &Env::default(),
        FrameKind::File {
            imports: Rc::new(imports),
            root,
        },
    ))
}

fn import_value(
    ctx: &Ctx,
    program: &Program,
    path: &str,
    cache: &mut HashMap<String, Val>,
    depth: usize,
) -> Option<Result<Val>> {
    if let Some(v) = cache.get(path) {
        return Some(Ok(v.clone()));
    }
    if let Some(files) = program.packages.get(path) {
        if depth > 16 {
            return Some(Err(Error::Path {
                path: path.into(),
                msg: "import cycle".into(),
            }));
        }
        let node = ctx.new_node(Default::default(), None, None);
        ctx.package_roots.borrow_mut().insert(node);
        cache.insert(path.to_string(), Val::Struct(node));
        let mut conjs = crate::eval::Conjs::new();
        for (_, _, f) in files {
            let env = match file_env(ctx, program, f, Some(node), cache, depth + 1) {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            conjs.push(Conj::lit(f.root.clone(), env, None));
        }
        *ctx.node(node).conjs.borrow_mut() = conjs;
        return Some(Ok(Val::Struct(node)));
    }
    if crate::builtins::STDLIB.contains(&path) {
        let v = Val::Pkg(path.into());
        cache.insert(path.to_string(), v.clone());
        return Some(Ok(v));
    }
    None
}
