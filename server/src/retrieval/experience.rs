//! Experience as a guide to the documentation: the APIs that the fixes of similar problems
//! used, weighted by how similar each problem is and how telling each API is (an API that
//! nearly every fix uses, like `copy`, says little). Pure: text in, data out.

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

/// How many recorded fixes use each API: what makes an API telling.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperienceStats {
    fixes: usize,
    frequency: HashMap<String, usize>,
}

impl ExperienceStats {
    pub fn from_fixes<'a>(fixes: impl IntoIterator<Item = &'a str>) -> ExperienceStats {
        let mut stats = ExperienceStats::default();
        for fix in fixes {
            stats.fixes += 1;
            for api in fix_apis(fix) {
                *stats.frequency.entry(api).or_default() += 1;
            }
        }
        stats
    }

    /// Inverse document frequency: high for APIs few fixes use.
    pub fn idf(&self, api: &str) -> f32 {
        let used = self.frequency.get(api).copied().unwrap_or(0);
        ((1.0 + self.fixes as f32) / (1.0 + used as f32)).ln() + 0.1
    }
}

/// Ranks the APIs used by the fixes of similar problems (`neighbours`: fix code and cosine
/// similarity to the request), leaving out names the document already `mentions`.
pub fn suggest_apis(
    neighbours: &[(&str, f32)],
    mentions: &HashSet<&str>,
    stats: &ExperienceStats,
    limit: usize,
) -> Vec<(String, f32)> {
    let mut votes: HashMap<String, f32> = HashMap::new();
    for (fix, similarity) in neighbours {
        let weight = similarity.max(0.0).powi(3);
        for api in fix_apis(fix) {
            if mentions.contains(api.as_str()) {
                continue;
            }
            let idf = stats.idf(&api);
            *votes.entry(api).or_default() += weight * idf;
        }
    }
    let mut ranked: Vec<(String, f32)> = votes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(limit);
    ranked
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
    fn suggestions_favour_similar_problems_and_telling_apis_not_already_mentioned() {
        let fixes = [
            "r = df.groupby('a').transform('sum').copy()",
            "r = df.copy()",
            "r = df.copy().reset_index()",
            "r = np.cumsum(a).copy()",
        ];
        let stats = ExperienceStats::from_fixes(fixes);
        assert!(stats.idf("transform") > stats.idf("copy"));
        let neighbours = [(fixes[0], 0.9), (fixes[3], 0.5)];
        let mentions =
            identifiers("import pandas as pd\ndf = pd.DataFrame()\n# sum per group a\ndf.groupby");
        let suggested = suggest_apis(&neighbours, &mentions, &stats, 3);
        let names: Vec<&str> = suggested.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["transform", "cumsum", "copy"]);
    }
}
