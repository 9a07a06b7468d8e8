"""Catalog fixtures: subjects written through the ORM, as the registration service writes them."""

from __future__ import annotations

import time

import httpx
import pytest_asyncio

from services.registry.registration.models import Product, Resource
from tests.conftest import ISSUER, People, Person


class Subjects:
    def __init__(self, app) -> None:
        self.app = app

    async def resource(self, org_id: str, name: str, description: str = "", *, status: str = "registered",
                       region: str = "110000", domain: str = "综合", sharing: str = "conditional",
                       opening: str = "unconditional", grading: str = "general", org_name: str = "测试局",
                       **extra) -> Resource:
        async with self.app.state.db.sessions.begin() as session:
            row = Resource(org_id=org_id, org_name=org_name, name=name, description=description, status=status,
                           region_code=region, domain=domain, sharing_attribute=sharing, opening_attribute=opening,
                           grading=grading, update_frequency=extra.pop("update_frequency", "monthly"), **extra)
            session.add(row)
        return row

    async def product(self, org_id: str, name: str, description: str = "", *, status: str = "registered",
                      form: str = "api", use_type: str = "industry", region: str = "310000",
                      org_name: str = "运营公司", **extra) -> Product:
        async with self.app.state.db.sessions.begin() as session:
            row = Product(org_id=org_id, org_name=org_name, name=name, description=description, status=status,
                          form=form, use_type=use_type, region_code=region, **extra)
            session.add(row)
        return row


@pytest_asyncio.fixture(loop_scope="session")
async def subjects(apps, clean) -> Subjects:
    return Subjects(apps.registry)


ROLES = ("admin", "authority", "registrar", "agency", "operator", "auditor")


_cast: dict[str, object] = {}
CAST_MAX_AGE = 600  # seconds; access tokens last 900


@pytest_asyncio.fixture(loop_scope="session")
async def cast(apps) -> dict[str, Person]:
    """One person per role (and a second agency), shared by the catalog tests for up to ten minutes: tokens
    outlive the per-test cleanup, and issuing them is the slow part of a test."""
    if _cast and time.monotonic() - _cast["made"] < CAST_MAX_AGE:
        return _cast["persons"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps.auth), base_url=ISSUER) as client:
        people = People(apps, client)
        persons = {role: await people.person(role, region="310000") for role in ROLES}
        persons["agency2"] = await people.person("agency", region="310000")
    _cast.update(made=time.monotonic(), persons=persons)
    return persons
