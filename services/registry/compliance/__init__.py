"""Compliance records (DOMAIN §5): a rule catalog as data, checks run on writes and in a sweep, findings."""
