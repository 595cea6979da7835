"""Building blocks every response schema shares: the response base and the error envelope.

Each response model builds itself from the domain object with `Model.build(obj, …)` and
is turned into the JSON body with `.dump()`: one pattern for every object the API returns.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def dump(self) -> dict:
        """The JSON-ready body, with field aliases (`from`) as documented."""
        return self.model_dump(mode="json", by_alias=True)


Timestamp = Annotated[str, Field(description="RFC 3339, UTC, with a Z", examples=["2026-07-02T15:04:05Z"])]


class ErrorDetail(ResponseModel):
    type: str = Field(examples=["validation_error"])
    code: str = Field(examples=["unknown_field"])
    message: str
    param: str | None = Field(default=None, examples=["room.name"])


class ErrorBody(ResponseModel):
    error: ErrorDetail
