//! Scoring the fused items: the fusion key of an item, how specific an item is to the code at hand, and when two items show the same thing.

use crate::retrieval::catalog::short_name;
use crate::retrieval::intent::Intent;
use crate::retrieval::{Item, ItemKind};

/// The key under which an item fuses: a doc object may come as several chunks.
pub(super) fn fusion_key(item: &Item) -> String {
    match item.kind {
        ItemKind::Doc => format!("doc:{}", item.title),
        kind => format!("{kind}:{}", item.id),
    }
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
}
