//! The learning loop: traces become trusted, reviewed lessons. Curation weighs each lesson's
//! evidence ([`policy`]), mines the changes people made by hand into candidate lessons
//! ([`mining`]), quarantines what is aimed at agents (`traces::screen`), and people review
//! the candidates ([`review`]).

pub mod curate;
pub mod mining;
pub mod policy;
pub mod review;

pub use policy::Policy;
