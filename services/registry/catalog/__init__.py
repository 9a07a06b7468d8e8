"""The catalog for portals: CJK full-text search, facets, DCAT-AP export and import, bulk import."""
