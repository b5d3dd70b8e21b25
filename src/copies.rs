//! The second level: near-copies inside a story. Wire copy reprinted, lightly edited,
//! re-headlined or truncated shares long runs of words with its original, which independent
//! write-ups of the same event do not; inside each story cluster, members whose word
//! 5-shingles overlap enough (Jaccard at least [`COPY_JACCARD`], or one contained in the
//! other at least [`COPY_CONTAINMENT`]) are joined, transitively, into copy groups.
//!
//! Each group names its likely original: the earliest dated member; among equal or unknown
//! dates, the one the others are most contained in (a truncation is contained in its
//! source, not the other way round), then the longest, then the first in input order.

use std::collections::HashMap;

use crate::config::ShingleKind;
use crate::document::Document;
use crate::score::intersection;
use crate::shingle::{Shingles, shingle_text};

/// Two members with this word 5-shingle Jaccard or more are copies.
pub const COPY_JACCARD: f64 = 0.5;
/// One member with this share of its 5-shingles in another is a copy of it (truncations,
/// excerpts, an added line of boilerplate).
pub const COPY_CONTAINMENT: f64 = 0.7;

/// A group of near-copies: members (corpus indexes, input order) and the likely original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyGroup {
    /// Members, in input order.
    pub members: Vec<usize>,
    /// The likely original (one of `members`).
    pub original: usize,
}

/// The copy groups (two or more members) among `members` of one story, in order of their
/// first member.
pub fn copy_groups(docs: &[Document], members: &[usize]) -> Vec<CopyGroup> {
    if members.len() < 2 {
        return Vec::new();
    }
    let sets: Vec<Shingles> = members
        .iter()
        .map(|&m| shingle_text(&docs[m].text, ShingleKind::Word(5)))
        .collect();
    let refs: Vec<&[u64]> = sets.iter().map(Vec::as_slice).collect();
    let lengths: Vec<usize> = members.iter().map(|&m| docs[m].text.len()).collect();
    copy_groups_of(docs, members, &lengths, &refs)
}

/// [`copy_groups`] with the members' word 5-shingle sets already at hand (`sets[i]` is
/// that of `members[i]`), as they are when the run's measure is a copy measure on
/// `word:5`; `lengths[i]` is the text length of `members[i]` (the texts themselves may be
/// gone).
pub fn copy_groups_of(
    docs: &[Document],
    members: &[usize],
    lengths: &[usize],
    sets: &[&[u64]],
) -> Vec<CopyGroup> {
    if members.len() < 2 {
        return Vec::new();
    }
    let k = members.len();
    let mut parent: Vec<usize> = (0..k).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    // contained[(i, j)]: share of i's shingles found in j, for the pairs sharing any (a
    // story of thousands of members would not fit a k x k table). Only looked up.
    let mut contained: HashMap<(usize, usize), f64> = HashMap::new();
    for i in 0..k {
        for j in i + 1..k {
            let (a, b) = (&sets[i], &sets[j]);
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let shared = intersection(a, b) as f64;
            let (a_in_b, b_in_a) = (shared / a.len() as f64, shared / b.len() as f64);
            if shared > 0.0 {
                contained.insert((i, j), a_in_b);
                contained.insert((j, i), b_in_a);
            }
            let jaccard = shared / (a.len() as f64 + b.len() as f64 - shared);
            if jaccard >= COPY_JACCARD || a_in_b.max(b_in_a) >= COPY_CONTAINMENT {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); k];
    for i in 0..k {
        let r = find(&mut parent, i);
        groups[r].push(i);
    }
    groups
        .into_iter()
        .filter(|g| g.len() >= 2)
        .map(|g| {
            let original = *g
                .iter()
                .min_by(|&&x, &&y| {
                    let date = |i: usize| docs[members[i]].date.map_or(i32::MAX, |d| d.days());
                    // How much of the rest of the group is found in this member.
                    let hosts = |i: usize| {
                        g.iter()
                            .filter(|&&o| o != i)
                            .map(|&o| contained.get(&(o, i)).copied().unwrap_or(0.0))
                            .sum::<f64>()
                    };
                    date(x)
                        .cmp(&date(y))
                        .then(hosts(y).total_cmp(&hosts(x)))
                        .then(lengths[y].cmp(&lengths[x]))
                        .then(x.cmp(&y))
                })
                .unwrap_or(&g[0]);
            CopyGroup {
                members: g.iter().map(|&i| members[i]).collect(),
                original: members[original],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Date;

    fn doc(id: &str, text: &str, date: Option<&str>) -> Document {
        let mut d = Document::new(id, text);
        d.date = date.and_then(Date::parse);
        d
    }

    const WIRE: &str = "Researchers at Kellington University said on Thursday they had found a soil bacterium that breaks down nylon within weeks. The microbe was isolated from a landfill near Dunmore. Lead author Ada Okonkwo-Hart said the enzyme could one day help recycle fishing nets. The team now plans larger trials with industrial partners next spring.";

    #[test]
    fn reprints_group_with_the_earliest_as_original_and_rewrites_stay_out() {
        let edited = WIRE.replace("on Thursday", "this week").replace(
            " The team now plans larger trials with industrial partners next spring.",
            " Sign up for our morning newsletter.",
        );
        let docs = vec![
            doc("reprint", &edited, Some("2025-10-17")),
            doc("wire", WIRE, Some("2025-10-16")),
            doc(
                "rewrite",
                "A nylon-eating microbe from a Dunmore dump may help recycle nets, say Kellington scientists led by Ada Okonkwo-Hart.",
                Some("2025-10-16"),
            ),
        ];
        let groups = copy_groups(&docs, &[0, 1, 2]);
        assert_eq!(
            groups,
            vec![CopyGroup {
                members: vec![0, 1],
                original: 1
            }]
        );
    }

    #[test]
    fn without_dates_the_fuller_text_is_the_original() {
        let truncated: String = WIRE.split(". ").take(3).collect::<Vec<_>>().join(". ");
        let docs = vec![doc("short", &truncated, None), doc("full", WIRE, None)];
        assert_eq!(
            copy_groups(&docs, &[0, 1]),
            vec![CopyGroup {
                members: vec![0, 1],
                original: 1
            }]
        );
    }

    #[test]
    fn the_seeds_have_no_copies() {
        let docs = vec![
            doc("a", include_str!("../seeds/000_caa04d0a8aee422f.txt"), None),
            doc("b", include_str!("../seeds/004_4b38f16243b578f4.txt"), None),
        ];
        assert!(copy_groups(&docs, &[0, 1]).is_empty());
    }
}
