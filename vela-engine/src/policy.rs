//! Resource policies: the rules an Application's policies set for each object it delivers
//! (which objects are read-only, may be taken over, are shared, kept when drifted, or
//! collected how), decided per object from the rule selectors, as KubeVela's resource
//! keeper does.

use vela_model::application::Application;

use crate::Result;

/// Where an object comes from: the component (and trait) that rendered it. Rule selectors
/// match on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    /// The component's name.
    pub(crate) component: &'a str,
    /// The component's type.
    pub(crate) component_type: &'a str,
    /// The trait type, or `None` for the workload.
    pub(crate) trait_type: Option<&'a str>,
}

/// The resource rules of an application's policies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {}

impl Rules {
    /// The rules `app`'s policies set.
    #[allow(clippy::unnecessary_wraps)]
    pub(crate) fn of(app: &Application) -> Result<Self> {
        let _ = app;
        Ok(Self {})
    }
}
