//! The webhook's decision: an AdmissionReview in, an AdmissionReview out. No I/O.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation};
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use serde_json::{Map, Value};

use super::{Error, GROUP, MAX_BODY, USERNAME};
use crate::impersonation::SERVICE_ACCOUNT;

/// Which of a user's groups are recorded in [`GROUP`]: KubeVela's `--authentication-group-pattern`,
/// where `*` stands for any run of characters (default `kubevela:*`). Unlike KubeVela (which
/// turns the pattern into an unanchored regular expression), the whole group must match, and
/// no character but `*` is special.
///
/// ```
/// use vela_controller::webhook::GroupPattern;
///
/// let p = GroupPattern::new("kubevela:*").unwrap();
/// assert!(p.matches("kubevela:dev"));
/// assert!(!p.matches("system:authenticated"));
/// assert!(!p.matches("x-kubevela:dev"), "anchored");
/// assert!(GroupPattern::new("*").unwrap().matches("anything"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPattern {
    pattern: String,
}

impl Default for GroupPattern {
    fn default() -> Self {
        Self {
            pattern: "kubevela:*".into(),
        }
    }
}

impl GroupPattern {
    /// The pattern `pattern`.
    ///
    /// # Errors
    /// [`Error::Pattern`] when it is empty or longer than 253 characters.
    pub fn new(pattern: &str) -> Result<Self, Error> {
        let fail = |message: &str| Error::Pattern {
            pattern: pattern.to_owned(),
            message: message.to_owned(),
        };
        if pattern.is_empty() {
            return Err(fail("empty: give `*` to keep every group"));
        }
        if pattern.len() > 253 {
            return Err(fail("longer than 253 characters"));
        }
        Ok(Self {
            pattern: pattern.to_owned(),
        })
    }

    /// Whether `group` matches as a whole.
    #[must_use]
    pub fn matches(&self, group: &str) -> bool {
        glob(self.pattern.as_bytes(), group.as_bytes())
    }
}

/// `*`-only glob matching, iterative (no recursion, linear backtracking).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// The webhook's decision for Applications (see the [module docs](super)).
///
/// ```
/// use serde_json::json;
/// use vela_controller::webhook::{GroupPattern, Mutator};
///
/// let mutator = Mutator::new(GroupPattern::new("dev*").unwrap()).skipping("vela-controller");
/// let review = json!({
///     "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
///     "request": {
///         "uid": "1", "operation": "CREATE", "name": "shop", "namespace": "team",
///         "kind": {"group": "core.oam.dev", "version": "v1beta1", "kind": "Application"},
///         "resource": {"group": "core.oam.dev", "version": "v1beta1", "resource": "applications"},
///         "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]},
///         "object": {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
///             "metadata": {"name": "shop", "annotations": {"app.oam.dev/username": "admin"}}},
///     },
/// });
/// let out = mutator.answer(review.to_string().as_bytes()).unwrap();
/// let out: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert_eq!(out["response"]["uid"], "1");
/// assert_eq!(out["response"]["allowed"], true);
/// assert_eq!(out["response"]["patchType"], "JSONPatch");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Mutator {
    skip_users: Vec<String>,
    groups: GroupPattern,
}

/// The AdmissionRequest in `body`, an `admission.k8s.io/v1` AdmissionReview.
///
/// ```
/// assert!(vela_controller::webhook::review::decode(b"{}").is_err());
/// assert!(vela_controller::webhook::review::decode(b"\xff").is_err());
/// ```
///
/// # Errors
/// [`Error::TooLarge`] above [`MAX_BODY`]; [`Error::Decode`] when it is not such a review or
/// has no request.
pub fn decode(body: &[u8]) -> Result<AdmissionRequest<DynamicObject>, Error> {
    if body.len() > MAX_BODY {
        return Err(Error::TooLarge);
    }
    let review: AdmissionReview<DynamicObject> =
        serde_json::from_slice(body).map_err(|e| Error::Decode(e.to_string()))?;
    if review.types.api_version != "admission.k8s.io/v1" || review.types.kind != "AdmissionReview" {
        return Err(Error::Decode(format!(
            "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got {:?} {:?}",
            review.types.api_version, review.types.kind
        )));
    }
    review
        .try_into()
        .map_err(|_| Error::Decode("no `request` in the review".into()))
}

/// `/`-separated JSON Pointer of an annotation.
fn annotation_path(key: &str) -> PointerBuf {
    PointerBuf::from_tokens(["metadata", "annotations", key])
}

impl Mutator {
    /// A mutator recording the groups that match `groups`.
    #[must_use]
    pub fn new(groups: GroupPattern) -> Self {
        Self {
            skip_users: Vec::new(),
            groups,
        }
    }

    /// Leaves the requests of `user` alone (the controller's own user).
    #[must_use]
    pub fn skipping(mut self, user: impl Into<String>) -> Self {
        self.skip_users.push(user.into());
        self
    }

    /// The response AdmissionReview (JSON) to the AdmissionReview `body`.
    ///
    /// # Errors
    /// What [`decode`] returns; [`Error::Encode`] never in practice.
    pub fn answer(&self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let request = decode(body)?;
        let response = self.decide(&request);
        let mut review =
            serde_json::to_value(response.into_review()).map_err(|e| Error::Encode(e.to_string()))?;
        // the API server reads the patch as Go `[]byte`: a base64 string (kube-core writes an
        // array of numbers, which Go also accepts; the string is what the API documents)
        if let Some(patch) = review.pointer_mut("/response/patch") {
            let bytes: Vec<u8> =
                serde_json::from_value(patch.take()).map_err(|e| Error::Encode(e.to_string()))?;
            use base64::Engine as _;
            *patch = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        serde_json::to_vec(&review).map_err(|e| Error::Encode(e.to_string()))
    }

    /// The response to `request`: allowed unchanged, allowed with the identity patch, or
    /// denied (a service-account annotation, or no object or user to record).
    #[must_use]
    pub fn decide(&self, request: &AdmissionRequest<DynamicObject>) -> AdmissionResponse {
        let allow = AdmissionResponse::from(request);
        let is_app = request.kind.group == "core.oam.dev" && request.kind.kind == "Application";
        let writes = matches!(request.operation, Operation::Create | Operation::Update);
        if !is_app || !writes || request.sub_resource.as_deref().is_some_and(|s| !s.is_empty()) {
            return allow;
        }
        let username = request.user_info.username.as_deref().unwrap_or_default();
        if self.skip_users.iter().any(|u| u == username) {
            return allow;
        }
        let Some(object) = &request.object else {
            return allow.deny("the request carries no Application to record its user in");
        };
        if username.is_empty() {
            return allow.deny("the request has no user to record in app.oam.dev/username");
        }
        let annotations = object.metadata.annotations.as_ref();
        if annotations.is_some_and(|a| a.contains_key(SERVICE_ACCOUNT)) {
            return allow.deny(format!(
                "the annotation {SERVICE_ACCOUNT} is not permitted when the controller \
                 authenticates Applications by their user (--authentication-with-user): the \
                 Application is delivered as {username}; remove the annotation"
            ));
        }
        let groups: Vec<&str> = request
            .user_info
            .groups
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|g| self.groups.matches(g))
            .collect();
        let groups = groups.join(",");
        if annotations.is_some_and(|a| {
            a.get(USERNAME).is_some_and(|u| u == username) && a.get(GROUP).is_some_and(|g| *g == groups)
        }) {
            return allow;
        }
        let ops = match annotations {
            None => {
                let mut map = Map::new();
                map.insert(USERNAME.into(), Value::String(username.to_owned()));
                map.insert(GROUP.into(), Value::String(groups));
                vec![PatchOperation::Add(AddOperation {
                    path: PointerBuf::from_tokens(["metadata", "annotations"]),
                    value: Value::Object(map),
                })]
            }
            Some(_) => vec![
                PatchOperation::Add(AddOperation {
                    path: annotation_path(USERNAME),
                    value: Value::String(username.to_owned()),
                }),
                PatchOperation::Add(AddOperation {
                    path: annotation_path(GROUP),
                    value: Value::String(groups),
                }),
            ],
        };
        match AdmissionResponse::from(request).with_patch(Patch(ops)) {
            Ok(patched) => patched,
            Err(e) => AdmissionResponse::from(request).deny(format!("encode the patch: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn review(user: &str, groups: &[&str], operation: &str, annotations: Option<Value>) -> Value {
        let mut metadata = json!({"name": "shop", "namespace": "team"});
        if let Some(a) = annotations {
            metadata["annotations"] = a;
        }
        json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": "7f0c", "operation": operation, "name": "shop", "namespace": "team",
                "kind": {"group": "core.oam.dev", "version": "v1beta1", "kind": "Application"},
                "resource": {"group": "core.oam.dev", "version": "v1beta1", "resource": "applications"},
                "userInfo": {"username": user, "groups": groups},
                "object": {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": metadata,
                    "spec": {"components": []}},
            },
        })
    }

    fn mutator() -> Mutator {
        Mutator::new(GroupPattern::new("dev*").unwrap())
            .skipping("system:serviceaccount:vela-system:vela-controller")
    }

    /// The response, and the object after its patch.
    fn run(m: &Mutator, review: &Value) -> (Value, Value) {
        let out: Value = serde_json::from_slice(&m.answer(review.to_string().as_bytes()).unwrap()).unwrap();
        let mut object = review["request"]["object"].clone();
        let response = out["response"].clone();
        assert_eq!(out["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(out["kind"], "AdmissionReview");
        assert_eq!(response["uid"], "7f0c");
        if let Some(patch) = response["patch"].as_str() {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD.decode(patch).unwrap();
            let patch: Patch = serde_json::from_slice(&bytes).unwrap();
            json_patch::patch(&mut object, &patch).unwrap();
        }
        (response, object)
    }

    #[test]
    fn the_user_and_the_matching_groups_overwrite_what_the_request_said() {
        let r = review(
            "alice",
            &["dev", "devops", "system:authenticated"],
            "CREATE",
            Some(
                json!({"app.oam.dev/username": "admin", "app.oam.dev/group": "system:masters", "keep": "me"}),
            ),
        );
        let (response, object) = run(&mutator(), &r);
        assert_eq!(response["allowed"], true);
        assert_eq!(response["patchType"], "JSONPatch");
        assert_eq!(
            object["metadata"]["annotations"],
            json!({"app.oam.dev/username": "alice", "app.oam.dev/group": "dev,devops", "keep": "me"})
        );
    }

    #[test]
    fn an_application_without_annotations_gets_both_and_an_update_is_stamped_too() {
        let (response, object) = run(
            &mutator(),
            &review("bob", &["system:authenticated"], "UPDATE", None),
        );
        assert_eq!(response["allowed"], true);
        assert_eq!(
            object["metadata"]["annotations"],
            json!({"app.oam.dev/username": "bob", "app.oam.dev/group": ""})
        );
    }

    #[test]
    fn already_stamped_needs_no_patch() {
        let a = json!({"app.oam.dev/username": "bob", "app.oam.dev/group": "dev"});
        let (response, object) = run(&mutator(), &review("bob", &["dev"], "UPDATE", Some(a.clone())));
        assert_eq!(response["allowed"], true);
        assert!(response.get("patch").is_none());
        assert_eq!(object["metadata"]["annotations"], a);
    }

    #[test]
    fn the_controller_and_other_operations_and_kinds_are_left_alone() {
        let forged = Some(json!({"app.oam.dev/username": "admin"}));
        let controller = review(
            "system:serviceaccount:vela-system:vela-controller",
            &[],
            "UPDATE",
            forged.clone(),
        );
        let (response, object) = run(&mutator(), &controller);
        assert_eq!(response["allowed"], true);
        assert_eq!(object["metadata"]["annotations"]["app.oam.dev/username"], "admin");
        let mut delete = review("alice", &[], "DELETE", forged.clone());
        let (response, _) = run(&mutator(), &delete);
        assert!(response.get("patch").is_none());
        delete["request"]["operation"] = json!("CREATE");
        delete["request"]["kind"]["kind"] = json!("ConfigMap");
        let (response, _) = run(&mutator(), &delete);
        assert!(response.get("patch").is_none());
        assert_eq!(response["allowed"], true);
    }

    #[test]
    fn a_service_account_annotation_is_refused_unless_from_the_controller() {
        let sa = Some(json!({"app.oam.dev/service-account-name": "deployer"}));
        let (response, _) = run(&mutator(), &review("alice", &[], "CREATE", sa.clone()));
        assert_eq!(response["allowed"], false);
        let message = response["status"]["message"].as_str().unwrap();
        assert!(message.contains("app.oam.dev/service-account-name"), "{message}");
        assert!(message.contains("alice"), "{message}");
        let (response, _) = run(
            &mutator(),
            &review(
                "system:serviceaccount:vela-system:vela-controller",
                &[],
                "CREATE",
                sa,
            ),
        );
        assert_eq!(response["allowed"], true);
    }

    #[test]
    fn an_annotation_key_with_a_slash_is_escaped_in_the_pointer() {
        assert_eq!(
            annotation_path(USERNAME).to_string(),
            "/metadata/annotations/app.oam.dev~1username"
        );
    }

    #[test]
    fn bad_reviews_are_errors_naming_the_problem() {
        let err = |body: &[u8]| decode(body).unwrap_err().to_string();
        assert!(err(b"not json").starts_with("decode the AdmissionReview: "));
        let mut old = review("alice", &[], "CREATE", None);
        old["apiVersion"] = json!("admission.k8s.io/v1beta1");
        assert!(err(old.to_string().as_bytes()).contains("admission.k8s.io/v1beta1"));
        let no_request = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"});
        assert!(err(no_request.to_string().as_bytes()).contains("no `request`"));
        assert!(matches!(decode(&vec![b' '; MAX_BODY + 1]), Err(Error::TooLarge)));
    }

    #[test]
    fn patterns_match_whole_groups() {
        let p = |s: &str| GroupPattern::new(s).unwrap();
        assert!(p("a*b*c").matches("aXbYc"));
        assert!(p("a*b*c").matches("abc"));
        assert!(!p("a*b*c").matches("aXbYcd"));
        assert!(p("dev").matches("dev"));
        assert!(!p("dev").matches("devops"));
        assert!(p("**").matches(""));
        assert!(p(".*").matches(".*"), "no regex: a dot is a dot");
        assert!(!p(".*").matches("xy"));
        assert!(GroupPattern::new("").is_err());
    }

    /// Arbitrary JSON: scalars, and arrays and objects of them, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[ -~]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z./]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No byte string makes the decoder or the mutator panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = mutator().answer(&bytes);
        }

        /// Any JSON value in any place of a valid review (the object, its metadata and
        /// annotations, the user, the kind, the operation, the review itself) is answered or
        /// refused as not a review, never a panic; an answer is a review with the request's uid.
        #[test]
        fn any_value_anywhere_in_a_review_never_panics(
            place in prop::sample::select(vec![
                "/request/object", "/request/object/metadata", "/request/object/metadata/annotations",
                "/request/object/metadata/annotations/app.oam.dev~1service-account-name",
                "/request/userInfo", "/request/userInfo/username", "/request/userInfo/groups",
                "/request/kind", "/request/operation", "/request/subResource", "/request/uid",
                "/request", "/apiVersion", "/request/oldObject",
            ]),
            value in json_value(),
        ) {
            let mut r = review("alice", &["dev"], "UPDATE", Some(json!({"a": "b"})));
            match r.pointer_mut(place) {
                Some(slot) => *slot = value,
                None => {
                    let (parent, key) = place.rsplit_once('/').unwrap();
                    if let Some(Value::Object(m)) = r.pointer_mut(parent) {
                        m.insert(key.replace("~1", "/"), value);
                    }
                }
            }
            if let Ok(out) = mutator().answer(r.to_string().as_bytes()) {
                let out: Value = serde_json::from_slice(&out).unwrap();
                prop_assert_eq!(&out["response"]["uid"], &r["request"]["uid"]);
            }
        }

        /// A valid review with arbitrary user, groups and annotations is answered with the
        /// request's uid, and after the patch the annotations name exactly the request's user.
        #[test]
        fn any_user_is_recorded_exactly(
            user in "[a-zA-Z0-9:@._/~-]{1,40}",
            groups in proptest::collection::vec("[a-z:~/*-]{0,12}", 0..5),
            keys in proptest::collection::btree_map("[a-z./~-]{1,20}", "[ -~]{0,10}", 0..4),
        ) {
            let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
            let annotations = (!keys.is_empty()).then(|| serde_json::to_value(&keys).unwrap());
            let r = review(&user, &groups, "CREATE", annotations);
            let (response, object) = run(&mutator(), &r);
            if keys.contains_key(SERVICE_ACCOUNT) {
                prop_assert_eq!(&response["allowed"], &json!(false));
            } else {
                prop_assert_eq!(&response["allowed"], &json!(true));
                prop_assert_eq!(&object["metadata"]["annotations"][USERNAME], &json!(user));
                let want: Vec<&str> = groups.iter().copied().filter(|g| g.starts_with("dev")).collect();
                prop_assert_eq!(&object["metadata"]["annotations"][GROUP], &json!(want.join(",")));
                for (k, v) in &keys {
                    if k != USERNAME && k != GROUP {
                        prop_assert_eq!(&object["metadata"]["annotations"][k], &json!(v));
                    }
                }
            }
        }

        /// The glob agrees with a naive recursive matcher.
        #[test]
        fn glob_agrees_with_a_naive_matcher(p in "[ab*]{0,8}", t in "[ab]{0,10}") {
            fn naive(p: &[u8], t: &[u8]) -> bool {
                match (p.first(), t.first()) {
                    (None, _) => t.is_empty(),
                    (Some(b'*'), _) => naive(&p[1..], t) || (!t.is_empty() && naive(p, &t[1..])),
                    (Some(c), Some(d)) => c == d && naive(&p[1..], &t[1..]),
                    (Some(_), None) => false,
                }
            }
            prop_assert_eq!(glob(p.as_bytes(), t.as_bytes()), naive(p.as_bytes(), t.as_bytes()));
        }
    }
}
