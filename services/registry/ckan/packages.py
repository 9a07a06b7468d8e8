"""PDR's public records as CKAN dictionaries: a registered resource or product is a package (dataset), the
organization that registered it is a CKAN organization.

Only what the catalogue publishes goes out (its public entry, catalog/models.py, and the query code the
certificate carries, DOMAIN §1 Art. 14): no contact, materials or security assessment. A package's name is its
id (hex, stable for its life, already a valid CKAN name); its one distribution is its DCAT-AP record, and a
product's form (DOMAIN §2: dataset, api, model, report, application) is a second one of that format, which is
what ``res_format`` filters and counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kernel.regions import region_label
from services.kernel.timeutil import as_utc

from ..catalog.vocab import FORM_LABELS

__all__ = ["organization", "package", "timestamp"]

# PDR keeps no licence per record; CKAN's own id for that (ckan/model/license.py) says so rather than guess.
LICENSE = {"license_id": "notspecified", "license_title": "License not specified", "isopen": False}
_EXTRAS = ("region_code", "domain", "update_frequency", "sharing_attribute", "opening_attribute", "grading",
           "form", "use_type")


def timestamp(value: datetime | None) -> str | None:
    """CKAN's timestamps: naive UTC in ISO 8601 with microseconds."""
    return None if value is None else as_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization(org_id: str, title: str, *, created: datetime | None = None,
                 package_count: int | None = None) -> dict[str, Any]:
    org = {"id": org_id, "name": org_id, "title": title or org_id, "display_name": title or org_id,
           "description": "", "image_url": "", "image_display_url": "", "type": "organization",
           "is_organization": True, "state": "active", "approval_status": "approved",
           "created": timestamp(created)}
    if package_count is not None:
        org["package_count"] = package_count
    return org


def _tag(name: str) -> dict[str, Any]:
    return {"name": name, "display_name": name, "state": "active", "vocabulary_id": None}


def _scenario_names(items: list) -> list[str]:
    names = []
    for item in items:
        name = item.get("name") or item.get("label") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip()[:100])  # CKAN's tag length
    return names


def package(entry: dict[str, Any], *, base_url: str, code: str | None = None,
            scenarios: list | None = None) -> dict[str, Any]:
    """The CKAN package of a public catalogue entry (the row's columns, catalog/models.py)."""
    kind, subject_id = entry["subject_type"], entry["subject_id"]
    created, modified = timestamp(entry["created_at"]), timestamp(entry["updated_at"])
    record = f"{base_url}/catalog/{kind}s/{subject_id}"
    resources = [{"id": f"{subject_id}-dcat", "package_id": subject_id, "position": 0, "name": "DCAT-AP 3.0.0",
                  "description": "登记信息 (DCAT-AP 3.0.0; Turtle, JSON-LD, RDF/XML by content negotiation)",
                  "url": record, "format": "JSON-LD", "mimetype": "application/ld+json", "state": "active",
                  "created": created, "last_modified": modified}]
    if kind == "product" and entry["form"]:
        resources.append({"id": f"{subject_id}-{entry['form']}", "package_id": subject_id, "position": 1,
                          "name": FORM_LABELS.get(entry["form"], entry["form"]), "description": "",
                          "url": record, "format": entry["form"], "mimetype": None,
                          "resource_type": entry["form"], "state": "active", "created": created,
                          "last_modified": modified})
    tags = list(dict.fromkeys(([entry["domain"]] if entry["domain"] else []) + _scenario_names(scenarios or [])))
    extras = {"pdr_kind": kind, **{key: entry[key] for key in _EXTRAS if entry.get(key)}}
    if entry.get("region_code"):
        extras["region_name"] = region_label(entry["region_code"])  # GB/T 2260, for people reading the code
    if code:
        extras["query_code"] = code
    org = organization(entry["org_id"], entry["org_name"])
    return {
        "id": subject_id, "name": subject_id, "title": entry["name"], "notes": entry["description"],
        "type": "dataset", "state": "active", "private": False, "url": "", "version": None,
        "author": None, "author_email": None, "maintainer": None, "maintainer_email": None, **LICENSE,
        "metadata_created": created, "metadata_modified": modified,
        "owner_org": entry["org_id"], "organization": org, "groups": [],
        "tags": [_tag(name) for name in tags], "num_tags": len(tags),
        "resources": resources, "num_resources": len(resources),
        "extras": [{"key": key, "value": value} for key, value in sorted(extras.items())],
        "relationships_as_object": [], "relationships_as_subject": [],
    }
