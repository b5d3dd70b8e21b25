//! Stage 5, candidates: which pairs get scored.
//!
//! [`all_pairs`] is exact: it finds every pair whose score reaches a floor by walking an
//! inverted index (each document accumulates its overlap with every later document that
//! shares a term), so pairs with nothing in common cost nothing, yet no pair is missed.

mod all_pairs;

pub use all_pairs::{AllPairs, Pair, all_pairs};
