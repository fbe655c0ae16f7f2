"""`ListingResponse`: a list route's answer, encoded once.

A list route declares `response_model=StoresPublic` (for the OpenAPI document) and returns
`ListingResponse(listing)` with the `Listing` its service validated. FastAPI hands a returned
`Response` through as it is, so the listing is neither validated nor serialised a second
time; the bytes are the ones FastAPI would write (pydantic's JSON, by alias).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response


class ListingResponse(Response):
    media_type = "application/json"

    def __init__(
        self, listing: BaseModel, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        body = listing.__pydantic_serializer__.to_json(listing, by_alias=True)
        super().__init__(body, status_code=status_code, headers=headers)
