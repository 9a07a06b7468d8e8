"""Pricing under the government-guided price (DOMAIN §3): pure arithmetic, price records, quotes, revenue caps."""
