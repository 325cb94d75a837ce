//! Scoring the fused items: the fusion key of an item, lesson trust from outcome counts, how
//! specific an item is to the code at hand, and when two items show the same thing.

use crate::retrieval::catalog::short_name;
use crate::retrieval::intent::Intent;
use crate::retrieval::{Item, ItemKind};
use crate::store::LessonCounts;

/// The key under which an item fuses: a doc object may come as several chunks.
pub(super) fn fusion_key(item: &Item) -> String {
    match item.kind {
        ItemKind::Doc => format!("doc:{}", item.title),
        kind => format!("{kind}:{}", item.id),
    }
}

/// A lesson's weight from what people did with it: accepted and hand-fixed count for it,
/// dismissed against, each worth a tenth, within ±50%.
pub(super) fn lesson_trust(counts: LessonCounts) -> f32 {
    1.0 + 0.1
        * (counts.accepted as f32 + counts.hand_fixed as f32 - counts.dismissed as f32)
            .clamp(-5.0, 5.0)
}

/// `numpy.argmax#2` → 2.
pub(super) fn chunk_number(id: &str) -> usize {
    id.rsplit_once('#')
        .and_then(|(_, number)| number.parse().ok())
        .unwrap_or(0)
}

/// Whether two items show the same thing (a doc object may come as different chunks).
pub(super) fn same_item(a: &Item, b: &Item) -> bool {
    a.kind == b.kind
        && match a.kind {
            ItemKind::Doc => a.title == b.title,
            _ => a.id == b.id,
        }
}

/// Boosts what matches the libraries in use and concrete APIs over whole modules.
pub(super) fn specificity(item: &Item, intent: &Intent) -> f32 {
    let mut factor = 1.0;
    if item
        .libraries
        .iter()
        .any(|library| intent.libraries.contains(library))
    {
        factor *= 1.2;
    }
    if item.kind == ItemKind::Doc {
        if item.provenance.starts_with("module") || item.provenance.starts_with("page") {
            factor *= 0.6;
        }
        let short = short_name(&item.title);
        if intent.methods.iter().any(|method| method == short) {
            factor *= 1.3;
        }
    }
    factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_numbers_come_from_ids() {
        assert_eq!(chunk_number("numpy.argmax#2"), 2);
        assert_eq!(chunk_number("numpy.argmax"), 0);
        assert_eq!(short_name("pandas.DataFrame.groupby"), "groupby");
        assert_eq!(short_name("numpy"), "numpy");
    }

    #[test]
    fn trust_rises_with_acceptance_and_is_bounded() {
        let counts = |accepted, dismissed| LessonCounts {
            accepted,
            dismissed,
            hand_fixed: 0,
        };
        assert_eq!(lesson_trust(counts(0, 0)), 1.0);
        assert!((lesson_trust(counts(3, 1)) - 1.2).abs() < 1e-6);
        assert_eq!(lesson_trust(counts(0, 40)), 0.5);
    }
}
