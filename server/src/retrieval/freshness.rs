//! Freshness: memory goes stale as libraries change. A lesson or an experience whose code calls
//! an API of an indexed library that the installed library does not document (the docs
//! knowledge base knows what exists) is stale: ranked down, with the reason shown.

use std::collections::{BTreeSet, HashSet};

use super::intent::{intent, library_of};

/// What the docs knowledge base says exists: every documented object, and the libraries indexed.
#[derive(Debug, Clone, Default)]
pub struct Documented {
    names: HashSet<String>,
    libraries: HashSet<String>,
}

impl Documented {
    /// From the docs table's (qualified name, library) pairs.
    pub fn new(doc_names: impl IntoIterator<Item = (String, String)>) -> Documented {
        let mut documented = Documented::default();
        for (name, library) in doc_names {
            documented.libraries.insert(library);
            documented.names.insert(name);
        }
        documented
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The conventional aliases, so that a fix snippet without its imports still resolves
/// (`pd.concat` → `pandas.concat`).
const ALIASES: &str = "import pandas as pd\nimport numpy as np\nimport matplotlib.pyplot as plt\nimport tensorflow as tf\n";

/// The module-level APIs `code` calls or names, qualified (`np.product(x)` → `numpy.product`).
pub fn module_apis(code: &str) -> BTreeSet<String> {
    let text = format!("{ALIASES}{code}");
    let tree = crate::analysis::parse::parse(&text, None);
    intent(&tree, &text, text.len(), None)
        .apis
        .into_iter()
        .collect()
}

/// The APIs of `code` that belong to an indexed library but are not documented there.
pub fn missing_apis(code: &str, documented: &Documented) -> Vec<String> {
    if documented.is_empty() {
        return Vec::new();
    }
    module_apis(code)
        .into_iter()
        .filter(|api| {
            let root = api.split('.').next().unwrap_or("");
            documented.libraries.contains(library_of(root))
                && !documented.names.contains(api)
                // A documented object under it (`numpy.random` for `numpy.random.rand`'s
                // owner) means the path exists; only an unknown leaf is missing.
                && !documented
                    .names
                    .iter()
                    .any(|name| name.starts_with(api.as_str()) && name[api.len()..].starts_with('.'))
        })
        .collect()
}

/// Why `code` is out of date with the installed libraries, if it is.
pub fn staleness(code: &str, documented: &Documented) -> Option<String> {
    let missing = missing_apis(code, documented);
    if missing.is_empty() {
        return None;
    }
    let names: Vec<String> = missing.iter().map(|api| format!("`{api}`")).collect();
    Some(format!(
        "it calls {}, which the installed {} {} not document",
        names.join(", "),
        {
            let libraries: BTreeSet<&str> = missing
                .iter()
                .map(|api| library_of(api.split('.').next().unwrap_or("")))
                .collect();
            libraries.into_iter().collect::<Vec<_>>().join(" and ")
        },
        if missing.len() == 1 { "does" } else { "do" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented() -> Documented {
        Documented::new(
            [
                ("numpy.prod", "numpy"),
                ("numpy.random.rand", "numpy"),
                ("pandas.concat", "pandas"),
                ("pandas.DataFrame", "pandas"),
            ]
            .map(|(name, library)| (name.to_string(), library.to_string())),
        )
    }

    #[test]
    fn a_call_the_installed_library_does_not_document_is_stale() {
        let docs = documented();
        assert_eq!(
            missing_apis("total = np.product(values)", &docs),
            ["numpy.product"]
        );
        assert_eq!(
            staleness("total = np.product(values)", &docs).unwrap(),
            "it calls `numpy.product`, which the installed numpy does not document"
        );
        assert_eq!(staleness("total = np.prod(values)", &docs), None);
        assert_eq!(
            staleness("x = np.random.rand(3)\ny = pd.concat([a, b])", &docs),
            None
        );
        // Libraries the knowledge base has not indexed are not judged.
        assert_eq!(
            staleness("import torch\nt = torch.old_thing(1)", &docs),
            None
        );
        // Without any docs nothing is judged.
        assert_eq!(staleness("np.product(v)", &Documented::default()), None);
    }
}
