"""The DTOs."""

from pydantic import BaseModel


class OrderCreate(BaseModel):
    total: int
