//! Up to a page's worth of short lists (each key's last events) in one allocation.
//!
//! A list per key in its own allocation costs a pointer and a length per key, the
//! allocator's header and rounding per list, one allocation per key when a page is copied
//! on write, and a heap riddled with small holes once copies are dropped. Kept back to
//! back in one vector, the lists cost their items plus two bytes per list, a page copy is
//! one `memcpy`, and the heap sees one allocation per page.

/// The lists of one page, list `i` being `items[ends[i - 1]..ends[i]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lists<T> {
    items: Vec<T>,
    /// One past each list's last item. u16: a page holds at most 64 lists of at most 255.
    ends: Box<[u16]>,
}

impl<T: Copy> Lists<T> {
    /// `lists` empty lists.
    pub fn new(lists: usize) -> Self {
        Self {
            items: Vec::new(),
            ends: vec![0; lists].into_boxed_slice(),
        }
    }

    fn bounds(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (usize::from(start), usize::from(self.ends[i]))
    }

    pub fn get(&self, i: usize) -> &[T] {
        let (s, e) = self.bounds(i);
        &self.items[s..e]
    }

    /// Makes room for `more` items: at least an eighth of the page more, so the page
    /// reallocates rarely while lists fill, and never wastes more than that eighth.
    fn grow(&mut self, more: usize) {
        if self.items.len() + more > self.items.capacity() {
            self.items
                .reserve_exact(more.max(self.items.len() / 8).max(4));
        }
    }

    fn shift_ends(&mut self, from: usize, by: isize) {
        for end in &mut self.ends[from..] {
            *end = (*end as isize + by) as u16;
        }
    }

    /// Appends `item` to list `i` and drops its oldest items beyond `keep` (at least 1).
    pub fn push_keeping(&mut self, i: usize, item: T, keep: usize) {
        let (s, e) = self.bounds(i);
        let keep = keep.max(1);
        if e - s == keep {
            // Full: shift in place, nothing moves outside the list.
            self.items.copy_within(s + 1..e, s);
            self.items[e - 1] = item;
        } else if e - s < keep {
            self.grow(1);
            self.items.insert(e, item);
            self.shift_ends(i, 1);
        } else {
            let mut kept: Vec<T> = self.items[e + 1 - keep..e].to_vec();
            kept.push(item);
            self.set(i, &kept);
        }
    }

    /// Replaces list `i`.
    pub fn set(&mut self, i: usize, items: &[T]) {
        let (s, e) = self.bounds(i);
        if items.len() > e - s {
            self.grow(items.len() - (e - s));
        }
        self.items.splice(s..e, items.iter().copied());
        self.shift_ends(i, items.len() as isize - (e - s) as isize);
    }

    /// Heap bytes: the items' allocation and the ends.
    pub fn heap_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>() + self.ends.len() * 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The lists behave like one `Vec` per list keeping its last `keep` items, and the
        /// allocation stays within an eighth (or four items) of what they hold.
        #[test]
        fn like_separate_vectors(ops in proptest::collection::vec((0usize..64, any::<u32>(), 1usize..6, any::<bool>()), 0..600)) {
            let mut lists = Lists::new(64);
            let mut model: Vec<Vec<u32>> = vec![Vec::new(); 64];
            let mut most = 0;
            for (i, item, keep, replace) in ops {
                if replace {
                    let items: Vec<u32> = (0..keep as u32).map(|k| item.wrapping_add(k)).collect();
                    lists.set(i, &items);
                    model[i] = items;
                } else {
                    lists.push_keeping(i, item, keep);
                    model[i].push(item);
                    let excess = model[i].len().saturating_sub(keep);
                    model[i].drain(..excess);
                }
                for (j, m) in model.iter().enumerate() {
                    prop_assert_eq!(lists.get(j), &m[..]);
                }
                most = most.max(model.iter().map(Vec::len).sum::<usize>());
                prop_assert!(lists.items.capacity() <= most + (most / 8).max(6));
            }
        }
    }
}
