//! An append-only sequence in shared blocks: cloning a simulation for time travel or a
//! what-if fork copies a handful of pointers, not the whole history.

use std::collections::VecDeque;
use std::sync::Arc;

const BLOCK: usize = 256;

/// An append-only sequence in shared blocks: clones share every sealed block. Past
/// `max_blocks` sealed blocks the oldest go, so a long run keeps a bounded recent history.
#[derive(Clone, Debug)]
pub struct BlockLog<T> {
    sealed: VecDeque<Arc<Vec<T>>>,
    tail: Vec<T>,
    dropped: usize,
    max_blocks: usize,
}

impl<T> BlockLog<T> {
    pub fn with_max_blocks(max_blocks: usize) -> Self {
        Self {
            sealed: VecDeque::new(),
            tail: Vec::new(),
            dropped: 0,
            max_blocks: max_blocks.max(1),
        }
    }

    pub fn push(&mut self, item: T) {
        self.tail.push(item);
        if self.tail.len() == BLOCK {
            self.sealed
                .push_back(Arc::new(std::mem::take(&mut self.tail)));
            if self.sealed.len() > self.max_blocks {
                self.sealed.pop_front();
                self.dropped += BLOCK;
            }
        }
    }

    /// Items held now (older ones may have been dropped).
    pub fn len(&self) -> usize {
        self.sealed.len() * BLOCK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Items dropped for the bound.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.sealed
            .iter()
            .flat_map(|b| b.iter())
            .chain(self.tail.iter())
    }

    pub fn last(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.sealed.back().and_then(|b| b.last()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_log_keeps_order_and_drops_oldest_blocks() {
        let mut log = BlockLog::with_max_blocks(2);
        for i in 0..(BLOCK * 3 + 5) {
            log.push(i);
        }
        assert_eq!(log.dropped(), BLOCK);
        assert_eq!(log.len(), BLOCK * 2 + 5);
        assert_eq!(log.iter().next(), Some(&BLOCK));
        assert_eq!(log.last(), Some(&(BLOCK * 3 + 4)));
        let copy = log.clone();
        assert!(copy.iter().eq(log.iter()));
    }
}
