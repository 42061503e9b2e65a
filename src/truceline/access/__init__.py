"""Access control: who may see what (pure policy; enforcement lives in the store's queries)."""
