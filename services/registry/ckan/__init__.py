"""CKAN-compatible read API over the public catalogue (issue 15): portals and ``ckanapi`` read PDR as CKAN."""
