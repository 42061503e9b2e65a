"""Use cases: the pure core combined with a Store. One function per use case."""
