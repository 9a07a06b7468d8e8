"""The tamper-evident ledger: every registry state change, as an RFC 9162 Merkle tree."""
