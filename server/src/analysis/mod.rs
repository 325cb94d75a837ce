//! Pure analysis of Python source: parsing, imports, and the structural lesson matcher.
//! Nothing here does IO or knows about LSP types.

pub mod builtins;
pub mod findings;
pub mod fix;
mod gated_matcher;
pub mod gates;
pub mod imports;
pub mod incremental;
pub mod matcher;
pub mod parse;
pub mod predicates;
pub mod query_hazards;
pub mod query_syntax;
pub mod suppression;

pub use findings::Finding;
pub use matcher::{Matcher, MatcherProblem};
