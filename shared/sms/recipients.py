"""Who to text, by directory id (the directory itself loads only when someone is named)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Recipients(BaseModel):
    """Members, departments (with their sub-departments) and app roles, by id."""

    model_config = ConfigDict(extra="forbid")

    members: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.members or self.departments or self.roles)
