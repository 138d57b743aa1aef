//! `CueDefinition::to_cr` (`vela def render`) of KubeVela's built-in `vela def` files against
//! the CRs KubeVela renders from them (`definitions-cr`, its Helm chart's templates): all but
//! the template text must be equal, as JSON. The template differs in layout: KubeVela stores it
//! with the imports and laid out by CUE's formatter, `to_cr` as written, unindented.

use serde_json::Value;
use vela_render::cue::CueDefinition;

use crate::conformance_dir;

#[test]
fn built_in_definition_crs_equal_kubevela_s_but_for_the_template() {
    let root = conformance_dir();
    let mut compared = 0;
    let mut problems = Vec::new();
    for kind in ["component", "trait", "policy", "workflowstep"] {
        let dir = root.join("definitions").join(kind);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (set VELA_CONFORMANCE_DIR)", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cue"))
            .collect();
        files.sort();
        for path in files {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let cr_path = root.join("definitions-cr").join(format!("{name}.yaml"));
            let text = std::fs::read_to_string(&cr_path)
                .unwrap_or_else(|e| panic!("{}: {e}", cr_path.display()))
                .replace("{{ include \"systemDefinitionNamespace\" . }}", "vela-system");
            let mut want: Value = vela_render::vela_model::yaml::from_str(&text).unwrap();
            let src = std::fs::read_to_string(&path).unwrap();
            let mut got = CueDefinition::from_cue(&name, &src)
                .unwrap_or_else(|e| panic!("{kind}/{name}: {}", e.chain()))
                .to_cr();
            got["metadata"]["namespace"] = "vela-system".into();
            for cr in [&mut want, &mut got] {
                cr["spec"]["schematic"]["cue"]["template"] = Value::Null;
            }
            compared += 1;
            if got != want {
                problems.push(format!("{kind}/{name}: KubeVela {want}\n  ours {got}"));
            }
        }
    }
    assert_eq!(compared, 78, "KubeVela's built-in definitions");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
