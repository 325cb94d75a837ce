//! Experience reports as `lore traces import` reads them, for tests that need many.

/// JSON lines of `count` distinct reports by `contributor`.
pub fn reports(contributor: &str, count: usize) -> String {
    (0..count)
        .map(|i| {
            serde_json::json!({
                "problem": format!("{contributor}: totals per group, case {i}"),
                "attempt": format!("df{i}.groupby('k').agg(sum)"),
                "fix": format!("df{i}.groupby('k').sum()"),
                "libraries": ["pandas"],
                "contributor": contributor,
            })
            .to_string()
                + "\n"
        })
        .collect()
}
