"""Use cases: each runs in one transaction that writes the case, its events and its outbox."""
