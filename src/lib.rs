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
//!   `furniture` marks the sentences a scraped page says about its site (sign-up walls),
//!   which the story measure leaves out;
//! - [`shingle`] hashes word or character shingles (copy measures); [`weigh`] builds
//!   salient-term vectors (story measure); one pass over each text computes the measure's
//!   features and what the report needs of it (cited outlets, identity hash, length), so
//!   that a run which reads nothing else of the texts can let them go;
//! - [`candidates`] finds the pairs worth scoring: exactly through an inverted index, or
//!   (jaccard, large inputs) by LSH over the MinHash signatures of [`sketch`], every
//!   candidate verified exactly; [`score`] turns overlaps into `story`, `jaccard` or
//!   `containment` scores;
//! - [`cluster`] groups the thresholded graph (average or single linkage);
//! - [`report`] holds the models and renders them (table, CSV, JSON, matrix).
//!
//! [`pipeline`] is the only place the stages are wired together; long stages report to a
//! [`progress::Progress`] (the binary draws bars, the library draws nothing). Links,
//! cluster explanations, copies and cited outlets are internal stages the pipeline runs.
//!
//! What most callers need is re-exported here: read with [`read_inputs`], configure with
//! [`ScoreConfig`] and [`ClusterConfig`], run [`cluster_corpus`] (a [`ClusterReport`] of
//! [`StoryCluster`]s), [`collection_view`] (everything the HTML report shows) or
//! [`diff_documents`], and score pairs with [`Scorer`]. A [`Run`] says how a run goes
//! beyond its results (candidate engine, progress, field names) and has the same entry
//! points; [`Reading`] reads inputs with progress and field names.
//!
//! ```
//! use storydedup::{Corpus, Document, pipeline, config::{ClusterConfig, Measure, ScoreConfig}};
//!
//! let corpus = Corpus::new(vec![
//!     Document::new("a", "Mayor Ines Calder closed the Harbor Bridge on Monday after cracks were found."),
//!     Document::new("b", "Cracks found: Harbor Bridge shut on Monday by Mayor Ines Calder."),
//!     Document::new("c", "Wheat prices rose sharply on the Tamsin exchange."),
//! ]);
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
pub(crate) mod cites;
pub mod cluster;
pub mod config;
pub(crate) mod copies;
pub mod dedup;
pub mod document;
pub mod error;
pub mod eval;
pub(crate) mod explain;
pub(crate) mod facts;
pub(crate) mod furniture;
pub mod index;
pub mod ingest;
pub(crate) mod links;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod score;
pub mod shingle;
pub mod sketch;
pub mod split;
pub(crate) mod stopwords;
pub mod tokenize;
pub mod tune;
pub mod weigh;

pub use config::{ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind};
pub use document::{Corpus, Date, Document};
pub use error::{Error, Result};
pub use ingest::{Reading, read_inputs};
pub use pipeline::{Run, cluster_corpus, collection_view, diff_documents};
pub use report::{ClusterReport, StoryCluster};
pub use score::Scorer;

#[cfg(test)]
mod properties;
