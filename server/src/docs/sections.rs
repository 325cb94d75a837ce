//! Reading numpydoc sections of a docstring: the objects its `See Also` section points to,
//! which the docs' authors chose as the next things to read. Pure: text in, names out.

/// The short names a `See Also` section lists (`DataFrame.iloc : ...` gives `iloc`), in order,
/// without repeats and without `own` (the documented object's own short name).
pub fn see_also(docstring: &str, own: &str) -> Vec<String> {
    let lines: Vec<&str> = docstring.lines().collect();
    let Some(start) = lines
        .windows(2)
        .position(|pair| pair[0].trim().eq_ignore_ascii_case("see also") && is_underline(pair[1]))
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    let body = &lines[start + 2..];
    for (index, line) in body.iter().enumerate() {
        // The next section: a title line underlined with dashes.
        if body.get(index + 1).is_some_and(|next| is_underline(next)) {
            break;
        }
        // Descriptions are indented under their names.
        if line.trim().is_empty() || line.starts_with([' ', '\t']) {
            continue;
        }
        let listed = line.split(" : ").next().unwrap_or(line);
        for entry in listed.split(',') {
            if let Some(name) = short_name(entry)
                && name != own
                && !names.iter().any(|seen| seen == name)
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

fn is_underline(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 3 && line.chars().all(|c| c == '-')
}

/// `:func:`~numpy.unravel_index`` → `unravel_index`; None for prose.
fn short_name(entry: &str) -> Option<&str> {
    let entry = entry.trim();
    // A Sphinx role (`:func:`, `:meth:`...) comes first.
    let entry = match entry.strip_prefix(':') {
        Some(rest) => rest.split_once(':').map_or(rest, |(_, name)| name),
        None => entry,
    };
    let entry = entry.trim_matches(|c| c == '`' || c == '~' || c == '(' || c == ')');
    let entry = entry.strip_suffix("()").unwrap_or(entry);
    let valid = !entry.is_empty()
        && entry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !entry.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    valid.then(|| crate::retrieval::catalog::short_name(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_names_of_the_see_also_section_only() {
        let docstring = "pandas.DataFrame.loc\nAccess a group of rows and columns by label(s).\n\n\
See Also\n--------\nDataFrame.at : Access a single value for a row/column label pair.\n\
DataFrame.iloc : Access group of rows and columns by integer position(s).\n    \
Continued description naming DataFrame.xs.\nargmax, :func:`~numpy.unravel_index`\n\
DataFrame.loc : itself.\nsee the user guide for more.\n\n\
Examples\n--------\n>>> df.loc['viper']\nDataFrame.sample : not listed, after the section.\n";
        assert_eq!(
            see_also(docstring, "loc"),
            ["at", "iloc", "argmax", "unravel_index"]
        );
    }

    #[test]
    fn no_section_gives_nothing() {
        assert!(see_also("numpy.add\nAdd arguments element-wise.\n", "add").is_empty());
        assert!(see_also("See Also\nnothing underlined\n", "x").is_empty());
    }
}
