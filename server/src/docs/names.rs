//! Public names: `pandas.core.frame.DataFrame` is documented as `pandas.DataFrame`, the name
//! people write, found by following the packages' re-exports.

use std::collections::HashMap;

use super::harvest::ModuleDocs;

/// Maps defining names (`pandas.core.frame.DataFrame`) to the shortest public name that
/// re-exports them (`pandas.DataFrame`).
#[derive(Debug, Default)]
pub struct PublicNames {
    public: HashMap<String, String>,
}

fn has_private_part(name: &str) -> bool {
    name.split('.').any(|part| part.starts_with('_'))
}

fn better(candidate: &str, current: Option<&String>) -> bool {
    match current {
        None => true,
        Some(current) => {
            let key = |name: &str| (name.split('.').count(), name.len(), name.to_string());
            key(candidate) < key(current)
        }
    }
}

impl PublicNames {
    pub fn build(modules: &HashMap<String, ModuleDocs>) -> PublicNames {
        // local name in a module -> what it stands for
        let mut aliases: HashMap<String, String> = HashMap::new();
        for (module, docs) in modules {
            for reexport in docs.reexports.iter().filter(|r| r.local != "*") {
                aliases.insert(
                    format!("{module}.{}", reexport.local),
                    reexport.target.clone(),
                );
            }
        }
        // Star imports bring every public name of the target (its `__all__` when given).
        for _pass in 0..3 {
            let mut added = Vec::new();
            for (module, docs) in modules {
                for star in docs.reexports.iter().filter(|r| r.local == "*") {
                    let Some(target) = modules.get(&star.target) else {
                        continue;
                    };
                    let names: Vec<String> = match &target.all {
                        Some(all) => all.clone(),
                        None => {
                            let defined = target
                                .items
                                .iter()
                                .filter(|item| !item.path.is_empty() && !item.path.contains('.'))
                                .map(|item| item.path.clone());
                            let reexported = target
                                .reexports
                                .iter()
                                .filter(|r| r.local != "*")
                                .map(|r| r.local.clone());
                            let star_brought: Vec<String> = aliases
                                .keys()
                                .filter_map(|key| key.strip_prefix(&format!("{}.", star.target)))
                                .filter(|rest| !rest.contains('.'))
                                .map(str::to_string)
                                .collect();
                            defined
                                .chain(reexported)
                                .chain(star_brought)
                                .filter(|name| !name.starts_with('_'))
                                .collect()
                        }
                    };
                    for name in names {
                        let key = format!("{module}.{name}");
                        if !aliases.contains_key(&key) {
                            added.push((key, format!("{}.{name}", star.target)));
                        }
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            aliases.extend(added);
        }
        let resolve = |name: &str| -> String {
            let mut current = name.to_string();
            for _ in 0..16 {
                match aliases.get(&current) {
                    Some(next) if next != &current => current = next.clone(),
                    _ => break,
                }
            }
            current
        };
        let mut public: HashMap<String, String> = HashMap::new();
        for local in aliases.keys() {
            if has_private_part(local) {
                continue;
            }
            let defined = resolve(local);
            if better(local, public.get(&defined))
                && (has_private_part(&defined) || better(local, Some(&defined)))
            {
                public.insert(defined, local.clone());
            }
        }
        PublicNames { public }
    }

    /// The public name of `module` + `path` (a dotted path inside the module).
    pub fn public_name(&self, module: &str, path: &str) -> String {
        if path.is_empty() {
            return self
                .public
                .get(module)
                .cloned()
                .unwrap_or_else(|| module.to_string());
        }
        let (head, rest) = path
            .split_once('.')
            .map(|(head, rest)| (head, Some(rest)))
            .unwrap_or((path, None));
        let defined = format!("{module}.{head}");
        let base = self.public.get(&defined).cloned().unwrap_or(defined);
        match rest {
            Some(rest) => format!("{base}.{rest}"),
            None => base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::harvest::harvest_module;

    #[test]
    fn follows_reexport_chains_to_the_shortest_public_name() {
        let mut modules = HashMap::new();
        modules.insert(
            "pandas".to_string(),
            harvest_module(
                "from pandas.core.api import DataFrame\nfrom pandas.core.reshape.api import *\n",
                "pandas",
                true,
            ),
        );
        modules.insert(
            "pandas.core.api".to_string(),
            harvest_module(
                "from pandas.core.frame import DataFrame\n",
                "pandas.core.api",
                false,
            ),
        );
        modules.insert("pandas.core.frame".to_string(), harvest_module("class DataFrame:\n    \"\"\"Frame.\"\"\"\n    def groupby(self):\n        \"\"\"Group.\"\"\"\n", "pandas.core.frame", false));
        modules.insert(
            "pandas.core.reshape.api".to_string(),
            harvest_module(
                "from pandas.core.reshape.merge import merge\n",
                "pandas.core.reshape.api",
                false,
            ),
        );
        modules.insert(
            "pandas.core.reshape.merge".to_string(),
            harvest_module(
                "def merge(a, b):\n    \"\"\"Merge.\"\"\"\n",
                "pandas.core.reshape.merge",
                false,
            ),
        );
        modules.insert(
            "numpy".to_string(),
            harvest_module("from ._core.numeric import zeros_like\n", "numpy", true),
        );
        let names = PublicNames::build(&modules);
        assert_eq!(
            names.public_name("pandas.core.frame", "DataFrame.groupby"),
            "pandas.DataFrame.groupby"
        );
        assert_eq!(
            names.public_name("pandas.core.frame", "DataFrame"),
            "pandas.DataFrame"
        );
        assert_eq!(
            names.public_name("pandas.core.reshape.merge", "merge"),
            "pandas.merge"
        );
        assert_eq!(
            names.public_name("numpy._core.numeric", "zeros_like"),
            "numpy.zeros_like"
        );
        assert_eq!(
            names.public_name("pandas.io.sql", "read_sql"),
            "pandas.io.sql.read_sql"
        );
    }
}
