"""Portals (issue 15): what CKAN and DCAT harvesters, portal front-ends and API generators get from PDR."""
