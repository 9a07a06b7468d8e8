"""The routers of authorized operation, pricing and compliance, gathered for the registry app."""

from ..compliance.routes import router as compliance_router
from ..pricing.routes import router as pricing_router
from .agreement_routes import router as agreement_router
from .disclosure_routes import router as disclosure_router
from .routes import router as plan_router

__all__ = ["routers"]

routers = [plan_router, agreement_router, disclosure_router, pricing_router, compliance_router]
