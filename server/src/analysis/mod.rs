//! Pure analysis of Python source: parsing, imports, and the structural lesson matcher.
//! Nothing here does IO or knows about LSP types.

pub mod builtins;
pub mod fix;
pub mod gates;
pub mod imports;
pub mod incremental;
pub mod matcher;
pub mod parse;
pub mod predicates;
pub mod suppression;

pub use matcher::{Finding, Matcher, MatcherProblem};
