"""Request and response models of the catalog: search filters, hits, facets, import reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

__all__ = ["CatalogFigures", "CatalogHit", "FacetCount", "Facets", "ImportProblem", "ImportReport", "SearchFilters",
           "SearchPage"]

Attribute = Literal["unconditional", "conditional", "not"]
Grading = Literal["general", "important", "core"]
Status = Literal["draft", "registered", "cancelled", "revoked", "expired"]
Form = Literal["dataset", "api", "model", "report", "application"]


class SearchFilters(BaseModel):
    """Every filter narrows the result; ``q`` is full text in Chinese and/or English."""

    q: str | None = Field(default=None, max_length=200)
    kind: Literal["resource", "product"] | None = None
    region: str | None = Field(default=None, pattern=r"^\d{6}$")
    org: str | None = Field(default=None, min_length=1, max_length=64)
    domain: str | None = Field(default=None, min_length=1, max_length=100)
    sharing: Attribute | None = None
    opening: Attribute | None = None
    grading: Grading | None = None
    status: Status | None = None
    form: Form | None = None
    # An incremental harvest asks for what changed since its last run (CKAN: metadata_modified:[X TO *]).
    modified_since: AwareDatetime | None = Field(default=None, description="Changed at or after this instant")
    modified_until: AwareDatetime | None = Field(default=None, description="Changed at or before this instant")


class CatalogHit(BaseModel):
    kind: str
    id: str
    name: str
    description: str
    org_id: str
    org_name: str
    region_code: str
    domain: str
    sharing_attribute: str
    opening_attribute: str
    grading: str
    form: str
    use_type: str
    status: str
    updated_at: datetime
    score: float | None = None


class SearchPage(BaseModel):
    items: list[CatalogHit]
    total: int | None = Field(default=None, description="How many entries match: on the first page (no cursor)")
    next_cursor: str | None = None


class FacetCount(BaseModel):
    value: str
    label: str | None = None
    count: int


class Facets(BaseModel):
    total: int
    region: list[FacetCount]
    org: list[FacetCount]
    domain: list[FacetCount]
    sharing: list[FacetCount]
    opening: list[FacetCount]
    grading: list[FacetCount]
    status: list[FacetCount]
    form: list[FacetCount]
    kind: list[FacetCount]


class CatalogFigures(BaseModel):
    """The public home page's headline figures (catalog/figures.py)."""

    resources: int = Field(description="Registered data resources in the public catalogue")
    products: int = Field(description="Registered data products and services in the public catalogue")
    registrations_this_year: int = Field(description="Registrations given a query code since 1 January (China)")
    notices_open: int = Field(description="Registrations in public notice today (Art. 12)")
    year: int
    as_of: date


class ImportProblem(BaseModel):
    row: int = Field(description="1-based row number in the file, the header being row 1")
    column: str | None
    reason: str


class ImportReport(BaseModel):
    total_rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    invalid: int
    errors: list[ImportProblem]
