//! Grouping many people's fixes by the API-level change they make.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::change::{Change, change_with};
use super::syntax;

/// One before→after fix by one contributor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub id: String,
    pub contributor: String,
    pub before: String,
    pub after: String,
}

/// Pairs that make the same change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub change: Change,
    /// Indices into the input pairs, ascending.
    pub members: Vec<usize>,
    /// Number of distinct contributors among the members.
    pub contributors: usize,
}

/// Clusters of pairs with the same change key, keeping those made by at least
/// `min_contributors` distinct contributors. Biggest first, then by key.
/// Pairs without an API-level change are ignored.
pub fn clusters(pairs: &[Pair], min_contributors: usize) -> Vec<Cluster> {
    let Some(mut parser) = syntax::python_parser() else {
        return Vec::new();
    };
    let mut groups: HashMap<String, (Change, Vec<usize>)> = HashMap::new();
    for (index, pair) in pairs.iter().enumerate() {
        if let Some(change) = change_with(&mut parser, &pair.before, &pair.after) {
            groups
                .entry(change.key())
                .or_insert_with(|| (change, Vec::new()))
                .1
                .push(index);
        }
    }
    let mut out: Vec<(String, Cluster)> = groups
        .into_iter()
        .map(|(key, (change, members))| {
            let contributors = distinct_contributors(pairs, &members);
            (
                key,
                Cluster {
                    change,
                    members,
                    contributors,
                },
            )
        })
        .filter(|(_, c)| c.contributors >= min_contributors.max(1))
        .collect();
    out.sort_by(|(ka, a), (kb, b)| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| ka.cmp(kb))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

fn distinct_contributors(pairs: &[Pair], members: &[usize]) -> usize {
    members
        .iter()
        .filter_map(|&i| pairs.get(i))
        .map(|p| p.contributor.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(id: &str, who: &str, before: &str, after: &str) -> Pair {
        Pair {
            id: id.into(),
            contributor: who.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    fn sample() -> Vec<Pair> {
        vec![
            pair("1", "ann", "logging.warn('x')", "logging.warning('x')"),
            pair(
                "2",
                "bob",
                "if bad:\n    logging.warn(msg)",
                "if bad:\n    logging.warning(msg)",
            ),
            pair("3", "cy", "t0 = time.clock()", "t0 = time.perf_counter()"),
            pair(
                "4",
                "dee",
                "start = time.clock()\nrun()",
                "start = time.perf_counter()\nrun()",
            ),
            pair("5", "dee", "s = time.clock()", "s = time.perf_counter()"),
            pair("6", "ann", "x = 1", "x = 2"),
            pair("7", "eve", "sns.distplot(v)", "sns.histplot(v)"),
            pair(
                "8",
                "eve",
                "sns.distplot(w, bins=3)",
                "sns.histplot(w, bins=3)",
            ),
        ]
    }

    #[test]
    fn renamed_variables_share_a_cluster_and_changes_stay_apart() {
        let pairs = sample();
        let found = clusters(&pairs, 2);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].members, vec![2, 3, 4]);
        assert_eq!(found[0].contributors, 2);
        assert_eq!(found[0].change.key(), "-time.clock() +time.perf_counter()");
        assert_eq!(found[1].members, vec![0, 1]);
    }

    #[test]
    fn one_contributor_is_not_enough() {
        let pairs = sample();
        let found = clusters(&pairs, 1);
        assert!(found.iter().any(|c| c.members == vec![6, 7]));
        assert!(clusters(&pairs, 2).iter().all(|c| c.members != vec![6, 7]));
        assert!(clusters(&pairs, 3).is_empty());
    }

    #[test]
    fn order_is_deterministic() {
        let pairs = sample();
        assert_eq!(clusters(&pairs, 1), clusters(&pairs, 1));
    }
}
