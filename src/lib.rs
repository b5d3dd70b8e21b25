//! storydedup finds the same news story told by different outlets.
//!
//! The pipeline, one module per stage, each a pure function over slices:
//!
//! ```text
//! ingest -> normalize -> tokenize -> shingle | weigh -> candidates -> score -> cluster -> report
//! ```
//!
//! - [`ingest`] reads files, directories, JSONL, CSV into a [`Corpus`];
//! - [`normalize`] and [`tokenize`] give words with byte spans into the original text;
//! - [`shingle`] hashes word or character shingles (copy measures); [`weigh`] builds
//!   salient-term vectors (story measure); [`facts`] runs the measure's features and takes
//!   what the report needs of each text (cited outlets, identity hash, length) in one
//!   pass, so that a run which reads nothing else of the texts can let them go;
//! - [`candidates`] finds the pairs worth scoring: exactly through an inverted index, or
//!   (jaccard, large inputs) by LSH over the MinHash signatures of [`sketch`], every
//!   candidate verified exactly; [`score`] turns overlaps into `story`, `jaccard` or
//!   `containment` scores;
//! - [`cluster`] groups the thresholded graph (average or single linkage);
//! - [`report`] holds the models and renders them (table, CSV, JSON, matrix).
//!
//! [`pipeline`] is the only place the stages are wired together; long stages report to a
//! [`progress::Progress`] (the binary draws bars, the library draws nothing).
//!
//! ```
//! use storydedup::{Corpus, Document, pipeline, config::{ClusterConfig, Measure, ScoreConfig}};
//!
//! let corpus = Corpus {
//!     docs: vec![
//!         Document::new("a", "Mayor Ines Calder closed the Harbor Bridge on Monday after cracks were found."),
//!         Document::new("b", "Cracks found: Harbor Bridge shut on Monday by Mayor Ines Calder."),
//!         Document::new("c", "Wheat prices rose sharply on the Tamsin exchange."),
//!     ],
//!     warnings: vec![],
//! };
//! let report = pipeline::cluster_corpus(
//!     &corpus,
//!     &ScoreConfig::default(),
//!     &ClusterConfig::for_measure(Measure::Story),
//! );
//! assert_eq!(report.clusters[0].members, vec![0, 1]);
//! assert_eq!(report.clusters.len(), 2);
//! ```

#![warn(missing_docs)]

pub mod align;
pub mod candidates;
pub mod cites;
pub mod cluster;
pub mod config;
pub mod copies;
pub mod dedup;
pub mod document;
pub mod error;
pub mod eval;
pub mod explain;
pub mod facts;
pub mod ingest;
pub mod links;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod score;
pub mod shingle;
pub mod sketch;
pub mod stopwords;
pub mod tokenize;
pub mod weigh;

pub use document::{Corpus, Date, Document};
pub use error::{Error, Result};

#[cfg(test)]
mod properties;
