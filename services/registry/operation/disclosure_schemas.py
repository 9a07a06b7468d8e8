"""The public disclosure of authorized operation (spec Arts. 18–19): what anyone may read about an agreement.

Only what the articles make public: who is authorized, by whom, in what mode, over which registered data, for
what term and in what state (Art. 18); the operator's products and services under it with their terms of use
and prices (Art. 19, 明码标价). The agreement's terms (revenue sharing, duties, exit), the plan's accounting,
the selection's evidence and every registration's materials stay confidential (DOMAIN §1–2).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from ..pricing.schemas import PriceListItem

__all__ = ["AuthorizationOut", "DisclosedProductOut", "DisclosedResourceOut", "OrgRef", "PublicStatus"]

# Which agreements are public: every one that has been activated, in force or not any more. A draft, signed or
# filed agreement authorizes nothing yet; one terminated before activation never authorized anything.
PublicStatus = Literal["active", "suspended", "expired", "terminated"]


class OrgRef(BaseModel):
    org_id: str = Field(description="The organization's id in PDR (the registry holds no credit code)")
    name: str


class DisclosedResourceOut(BaseModel):
    """A public data resource in the authorized data scope: its name, holder and registration query code."""

    resource_id: str
    name: str
    holder_name: str = Field(description="The unit holding the resource (its registrant)")
    query_code: str | None = Field(description="The latest registration query code, to look up at /public/codes")
    registered: bool = Field(description="Whether the resource's registration is in force now")


class DisclosedProductOut(BaseModel):
    """A product or service in the operator's product list under the agreement (Art. 19)."""

    product_id: str
    name: str
    description: str
    use_type: Literal["public_welfare", "industry"]
    form: Literal["dataset", "api", "model", "report", "application"]
    conditions_of_use: str = Field(description="The terms of use the operator registered")
    query_code: str | None
    registered: bool
    price: PriceListItem | None = Field(
        description="The product's line of the public price list today (null: an industry product with no price "
                    "in force)")


class AuthorizationOut(BaseModel):
    """One authorized operation as disclosed under Arts. 18–19."""

    agreement_id: str
    name: str = Field(description="The implementation plan the operation is authorized under")
    region_code: str = Field(description="The authorizer's administrative division (GB/T 2260)")
    authorizer_name: str
    implementing_body: OrgRef
    operator: OrgRef
    mode: Literal["whole", "domain", "scenario"]
    starts_on: date
    ends_on: date
    status: PublicStatus
    version: int = Field(description="1, plus one per amendment")
    data_scope: list[DisclosedResourceOut]
    products: list[DisclosedProductOut]
    prices_as_of: date = Field(description="The day (China time) whose prices are shown")
