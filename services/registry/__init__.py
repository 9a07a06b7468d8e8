"""Registry service."""
