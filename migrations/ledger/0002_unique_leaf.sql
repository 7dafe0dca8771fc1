-- One entry, one leaf: a party that re-sends an entry (a retry after a lost answer) gets the index it
-- already has instead of a second copy, and a copied row cannot be inserted through the service.
CREATE UNIQUE INDEX entry_leaf_hash ON entry (leaf_hash);
