//! A small map from text keys to values, kept as one vector sorted by key.
//!
//! The socket pool's groups are few (one per origin and credentials mode) and are walked in key
//! order, which keeps the model deterministic. A sorted
//! vector does that with a binary search per lookup and an O(n) insert, and its code is a
//! fraction of a `BTreeMap`'s for each value type, which matters in the web bundle. Maps that can
//! hold thousands of keys (a page's URLs) use `BTreeMap<String, usize>`, one instantiation
//! shared by all of them.

/// Keys in ascending byte order, each once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<V> {
    items: Vec<(String, V)>,
}

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap { items: Vec::new() }
    }
}

impl<V> SortedMap<V> {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.items.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.items[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.items[i].1)
    }

    /// The value for `key`, made with `V::default()` when missing.
    pub fn entry(&mut self, key: &str) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.items.insert(i, (key.to_string(), V::default()));
                i
            }
        };
        &mut self.items[i].1
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|i| self.items.remove(i).1)
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.items.iter().map(|(k, v)| (k, v))
    }

    /// In key order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// In key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::SortedMap;

    #[test]
    fn keeps_keys_sorted_and_unique() {
        let mut m = SortedMap::default();
        for k in ["m", "a", "z", "a", "b"] {
            *m.entry(k) += 1;
        }
        let got: Vec<(&str, i32)> = m.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, [("a", 2), ("b", 1), ("m", 1), ("z", 1)]);
        assert_eq!(m.insert("b".into(), 7), Some(1));
        assert_eq!(m.remove("m"), Some(1));
        assert_eq!(m.get("m"), None);
        assert_eq!(m.get("b"), Some(&7));
        assert_eq!(m.len(), 3);
    }
}
