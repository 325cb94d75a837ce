//! Experience as a guide to the documentation: the APIs that recorded fixes used, and how
//! telling each API is (an API that nearly every fix uses, like `copy`, says little). Pure:
//! text in, data out.

use std::collections::{BTreeSet, HashMap, HashSet};

use tree_sitter::Node;

use crate::analysis::parse;

/// The APIs a piece of code uses: attribute names (`groupby` in `df.groupby(...)`) and the
/// names of called functions (`where` in `where(...)`), public and at least three characters.
pub fn fix_apis(code: &str) -> BTreeSet<String> {
    let tree = parse::parse(code, None);
    let source = code.as_bytes();
    let mut found = BTreeSet::new();
    let mut stack: Vec<Node> = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        let name = match node.kind() {
            "attribute" => node.child_by_field_name("attribute"),
            "call" => node
                .child_by_field_name("function")
                .filter(|function| function.kind() == "identifier"),
            _ => None,
        };
        if let Some(name) = name.and_then(|name| name.utf8_text(source).ok())
            && name.len() >= 3
            && !name.starts_with('_')
        {
            found.insert(name.to_string());
        }
        let mut walker = node.walk();
        stack.extend(node.children(&mut walker));
    }
    found
}

/// How many recorded fixes use each API, overall and per library: what makes an API telling,
/// and what is common in a library.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperienceStats {
    fixes: usize,
    frequency: HashMap<String, usize>,
    by_library: HashMap<String, HashMap<String, usize>>,
}

impl ExperienceStats {
    /// From recorded fixes: code, and the libraries it was written for.
    pub fn from_fixes<'a, L: AsRef<str> + 'a>(
        fixes: impl IntoIterator<Item = (&'a str, &'a [L])>,
    ) -> ExperienceStats {
        let mut stats = ExperienceStats::default();
        for (fix, libraries) in fixes {
            stats.add(fix, libraries);
        }
        stats
    }

    /// Counts one more recorded fix.
    pub fn add<L: AsRef<str>>(&mut self, fix: &str, libraries: &[L]) {
        self.fixes += 1;
        for api in fix_apis(fix) {
            for library in libraries {
                *self
                    .by_library
                    .entry(library.as_ref().to_string())
                    .or_default()
                    .entry(api.clone())
                    .or_default() += 1;
            }
            *self.frequency.entry(api).or_default() += 1;
        }
    }

    /// How many fixes written for `library` use each API.
    pub fn library_frequency(&self, library: &str) -> impl Iterator<Item = (&String, usize)> {
        self.by_library
            .get(library)
            .into_iter()
            .flat_map(|frequency| frequency.iter().map(|(api, count)| (api, *count)))
    }

    /// Inverse document frequency: high for APIs few fixes use.
    pub fn idf(&self, api: &str) -> f32 {
        let used = self.frequency.get(api).copied().unwrap_or(0);
        ((1.0 + self.fixes as f32) / (1.0 + used as f32)).ln() + 0.1
    }
}

/// Every identifier in `text`: what the document already mentions.
pub fn identifiers(text: &str) -> HashSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_apis_are_attributes_and_called_names() {
        let apis = fix_apis(
            "out = np.where(df['a'] > 0, 1, 0)\nres = df.groupby('k').transform('sum').copy()\nf(x)\n_private(y)\n",
        );
        let apis: Vec<&str> = apis.iter().map(String::as_str).collect();
        assert_eq!(apis, ["copy", "groupby", "transform", "where"]);
    }

    #[test]
    fn stats_count_fixes_overall_and_per_library() {
        let pandas = ["pandas".to_string()];
        let numpy = ["numpy".to_string()];
        let stats = ExperienceStats::from_fixes([
            ("df.groupby('a').cumcount().copy()", &pandas[..]),
            ("df.copy()", &pandas[..]),
            ("np.cumsum(a).copy()", &numpy[..]),
        ]);
        assert!(stats.idf("cumcount") > stats.idf("copy"));
        assert!(stats.idf("unseen") > stats.idf("cumcount"));
        let mut pandas_uses: Vec<(&String, usize)> = stats.library_frequency("pandas").collect();
        pandas_uses.sort();
        let pandas_uses: Vec<(&str, usize)> = pandas_uses
            .iter()
            .map(|(api, count)| (api.as_str(), *count))
            .collect();
        assert_eq!(pandas_uses, [("copy", 2), ("cumcount", 1), ("groupby", 1)]);
        assert_eq!(stats.library_frequency("torch").count(), 0);
    }
}
