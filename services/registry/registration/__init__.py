"""Statutory registration of public data resources and products (DOMAIN §1)."""
