"""The change feed: the ledger served as a resumable stream of events."""
