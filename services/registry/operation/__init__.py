"""Authorized operation (DOMAIN §2): designations, implementation plans, operator selection, agreements, reports."""
