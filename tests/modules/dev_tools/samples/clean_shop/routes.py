"""Routes may answer with HTTPException (the rule is about everything else)."""

from fastapi import APIRouter, HTTPException

from clean_shop import service
from clean_shop.schemas import OrderCreate
from orion.kernel.web.dependencies import CurrentTenant, SessionDep

api = APIRouter()


@api.post("/orders")
def create_order(session: SessionDep, tenant: CurrentTenant, data: OrderCreate) -> dict:
    if data.total < 0:
        raise HTTPException(status_code=422, detail="a total is never negative")
    return {"id": str(service.create_order(session, tenant, data=data).id)}
