//! The example shown in the book chapter "CUE in Vela-rs".

fn main() -> Result<(), vela_cue::Error> {
    // ANCHOR: render
    use serde_json::json;

    let template = r#"
import "strings"

parameter: {
    image: string
    // +usage=Number of replicas
    replicas: *1 | int & >=0
    ports?: [...int]
}
output: {
    apiVersion: "apps/v1"
    kind:       "Deployment"
    metadata: name: strings.ToLower(context.name)
    spec: {
        replicas: parameter.replicas
        template: spec: containers: [{
            name:  context.name
            image: parameter.image
            if parameter.ports != _|_ {
                // +patchKey=containerPort
                ports: [for p in parameter.ports {containerPort: p}]
            }
        }]
    }
}
"#;
    // Compile once (the program is Send + Sync and cheap to clone) ...
    let program = vela_cue::Program::compile("web.cue", template)?;
    // ... and evaluate as often as needed with injected values.
    let inst = program.eval_with(&[
        ("parameter", &json!({"image": "nginx:1.27", "ports": [80]})),
        ("context", &json!({"name": "Web"})),
    ])?;
    let output = inst.lookup("output")?;
    assert_eq!(
        output.to_json_string()?,
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"Web","image":"nginx:1.27","ports":[{"containerPort":80}]}]}}}}"#
    );
    // Comments attached to fields survive evaluation (the trait patch engine reads them).
    let ports = output.lookup("spec.template.spec.containers[0].ports")?;
    assert_eq!(ports.comments(), vec![" +patchKey=containerPort".to_string()]);
    // Existence checks answer like `x != _|_`.
    assert!(!inst.lookup("parameter.missing")?.exists());
    // ANCHOR_END: render

    // ANCHOR: errors
    let bad = program.eval_with(&[("parameter", &json!({"image": "nginx", "replicas": -1}))])?;
    let err = bad.lookup("output.spec.replicas")?.to_json().unwrap_err();
    println!("{err}");
    // ANCHOR_END: errors
    assert!(err.to_string().contains("parameter.replicas"), "{err}");
    Ok(())
}
