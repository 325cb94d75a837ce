//! Reciprocal-rank fusion: several ranked lists become one, each item scoring
//! `weight / (k + rank + 1)` in every list it appears in. Used by every search that merges
//! lists (lessons, docs by meaning, docs by words, experience).

use std::collections::HashMap;

use super::Item;

/// Fuses ranked lists of items; items with the same key count as one.
#[derive(Debug)]
pub struct Fusion {
    /// The rank damping: a small `k` favors the top of each list.
    k: f32,
    scores: HashMap<String, (f32, Item)>,
}

impl Fusion {
    pub fn new(k: f32) -> Fusion {
        Fusion {
            k,
            scores: HashMap::new(),
        }
    }

    /// Adds `item`, found at `rank` (0-based) of a list weighted `weight`, under `key`.
    pub fn add(&mut self, key: String, weight: f32, rank: usize, item: Item) {
        let entry = self.scores.entry(key).or_insert((0.0, item));
        entry.0 += weight / (self.k + rank as f32 + 1.0);
    }

    /// The fused items with their scores, best first (ties by title, then id).
    pub fn ranked(self) -> Vec<(f32, Item)> {
        self.ranked_by(|_| 1.0)
    }

    /// As `ranked`, each score multiplied by `factor(item)` first.
    pub fn ranked_by(self, factor: impl Fn(&Item) -> f32) -> Vec<(f32, Item)> {
        let mut ranked: Vec<(f32, Item)> = self
            .scores
            .into_values()
            .map(|(score, item)| (score * factor(&item), item))
            .collect();
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.title.cmp(&b.1.title))
                .then_with(|| a.1.id.cmp(&b.1.id))
        });
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retrieval::ItemKind;

    fn item(id: &str) -> Item {
        Item {
            id: id.into(),
            kind: ItemKind::Doc,
            title: id.into(),
            text: String::new(),
            score: 0.0,
            libraries: Vec::new(),
            provenance: String::new(),
            trust: None,
            store: None,
        }
    }

    #[test]
    fn items_in_several_lists_rise_and_weights_count() {
        let mut fusion = Fusion::new(60.0);
        for (rank, id) in ["a", "b", "c"].into_iter().enumerate() {
            fusion.add(id.into(), 1.0, rank, item(id));
        }
        for (rank, id) in ["c", "d"].into_iter().enumerate() {
            fusion.add(id.into(), 1.0, rank, item(id));
        }
        let order: Vec<String> = fusion.ranked().into_iter().map(|(_, i)| i.id).collect();
        assert_eq!(order, ["c", "a", "b", "d"]);

        let mut weighted = Fusion::new(20.0);
        weighted.add("a".into(), 0.5, 0, item("a"));
        weighted.add("b".into(), 1.0, 1, item("b"));
        let ranked = weighted.ranked();
        assert_eq!(ranked[0].1.id, "b");
        assert!((ranked[0].0 - 1.0 / 22.0).abs() < 1e-6);
        assert!((ranked[1].0 - 0.5 / 21.0).abs() < 1e-6);
    }
}
