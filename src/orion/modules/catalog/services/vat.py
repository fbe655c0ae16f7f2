"""The VAT rates a platform's products may carry. Operators set them per platform; a
platform with none configured uses Luxembourg's (17, 14, 8 and 3 %)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.modules.catalog.exceptions import invalid
from orion.modules.catalog.models import DEFAULT_VAT_RATES, VatRate
from orion.modules.catalog.repository import VatRateRepository
from orion.modules.catalog.schemas import VatRatePublic, VatRatesPublic, VatRatesUpdate
from orion.modules.tenancy import services as tenancy


def vat_rates(session: Session, platform_id: uuid.UUID) -> VatRatesPublic:
    """The platform's rates, highest first (Luxembourg's when it has none of its own)."""
    rows = VatRateRepository(session).of_platform(platform_id)
    if rows:
        rates = [VatRatePublic.model_validate(row) for row in rows]
    else:
        rates = [VatRatePublic(code=c, rate=r) for c, r in DEFAULT_VAT_RATES.items()]  # type: ignore[arg-type]
    return VatRatesPublic(platform_id=platform_id, configured=bool(rows), rates=rates)


def tenant_vat_rates(session: Session, tenant: TenantContext) -> VatRatesPublic:
    """The rates of the tenant's platform."""
    platform_id = tenant.platform_id
    if platform_id is None:
        with all_tenants(session):
            platform_id = tenancy.directory.platform_of(session, tenant.tenant_id)
    assert platform_id is not None
    return vat_rates(session, platform_id)


def set_vat_rates(
    session: Session, platform_id: uuid.UUID, *, data: VatRatesUpdate
) -> VatRatesPublic:
    """Replace the platform's rates (products keep the rate they have)."""
    tenancy.get_platform(session, platform_id)  # 404 for an unknown platform
    repository = VatRateRepository(session)
    repository.clear(platform_id)
    session.add_all(VatRate(platform_id=platform_id, code=r.code, rate=r.rate) for r in data.rates)
    session.flush()
    return vat_rates(session, platform_id)


def resolve_vat_rate(session: Session, tenant: TenantContext, rate: int | None) -> int:
    """`rate` if it is one of the platform's rates, the standard rate when None; else 422
    naming `vat_rate`."""
    rates = tenant_vat_rates(session, tenant).rates
    if rate is None:
        standard = next((r for r in rates if r.code == "standard"), rates[0])
        return standard.rate
    if rate not in {r.rate for r in rates}:
        allowed = ", ".join(f"{r.rate} ({r.code})" for r in rates)
        raise invalid("vat_rate", f"{rate} is not one of the platform's VAT rates: {allowed}")
    return rate
