//! Which story number each cluster of an add (or a query) gets.

use std::collections::HashMap;

/// The story number of each cluster, from `stories` (each document's story: stored ones,
/// and new ones that replace a stored document; `None` for the others). First, each story
/// goes to the cluster holding most of its members here (more than half), older stories
/// first, so a merge keeps the older number; then clusters still without a number take
/// the story they hold most of among those left (most members, then the older); `None`
/// where a cluster needs a new story.
pub(super) fn assign_numbers(
    clusters: &[crate::report::StoryCluster],
    stories: &[Option<u64>],
) -> Vec<Option<u64>> {
    let mut total: HashMap<u64, usize> = HashMap::new();
    for s in stories.iter().flatten() {
        *total.entry(*s).or_insert(0) += 1;
    }
    // (members, story, cluster) for every story a cluster holds.
    let mut held: Vec<(usize, u64, usize)> = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        let mut counts: Vec<(u64, usize)> = Vec::new();
        for s in c.members.iter().filter_map(|&m| stories[m]) {
            match counts.iter_mut().find(|(x, _)| *x == s) {
                Some(e) => e.1 += 1,
                None => counts.push((s, 1)),
            }
        }
        held.extend(counts.into_iter().map(|(s, n)| (n, s, ci)));
    }
    let mut numbers: Vec<Option<u64>> = vec![None; clusters.len()];
    let mut taken = std::collections::HashSet::new();
    let mut take = |order: &[(usize, u64, usize)], majority: bool| {
        for &(n, story, ci) in order {
            if majority && 2 * n <= total[&story] {
                continue;
            }
            if numbers[ci].is_none() && !taken.contains(&story) {
                numbers[ci] = Some(story);
                taken.insert(story);
            }
        }
    };
    let mut oldest_first = held.clone();
    oldest_first.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)));
    take(&oldest_first, true);
    held.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    take(&held, false);
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::StoryCluster;

    fn clusters(groups: &[&[usize]]) -> Vec<StoryCluster> {
        groups
            .iter()
            .map(|members| StoryCluster {
                number: 0,
                members: members.to_vec(),
                attachment: vec![None; members.len()],
                min_similarity: None,
                mean_similarity: None,
                shared_terms: vec![],
                copies: vec![],
                cites: vec![],
                cited_sources: vec![],
            })
            .collect()
    }

    #[test]
    fn a_merge_keeps_the_older_number_and_a_split_part_starts_a_story() {
        // Documents 0-1 in story 7, 2-5 in story 3 (older), 6 new.
        let stories = [Some(7), Some(7), Some(3), Some(3), Some(3), Some(3), None];
        // Both stories in one cluster with the new document: the older number wins,
        // though story 7 is the one the cluster holds less of.
        let merged = assign_numbers(&clusters(&[&[0, 1, 2, 3, 4, 5, 6]]), &stories);
        assert_eq!(merged, [Some(3)]);
        // Story 3 split in two: the larger part keeps it, the other part has none left.
        let split = assign_numbers(&clusters(&[&[0, 1], &[2, 3, 4], &[5, 6]]), &stories);
        assert_eq!(split, [Some(7), Some(3), None]);
        // A cluster of new documents only needs a new story.
        let fresh = assign_numbers(&clusters(&[&[0, 1, 2, 3, 4, 5], &[6]]), &stories);
        assert_eq!(fresh, [Some(3), None]);
    }
}
