"""Who to text, by directory id (the directory itself loads only when someone is named)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr

MAX_IDS = 1000  # ids in each of members, departments and roles (our choice)
MAX_ID_CHARS = 128  # one directory id (our choice)
DirectoryId = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID_CHARS)]


class Recipients(BaseModel):
    """Members, departments (with their sub-departments) and app roles, by id."""

    model_config = ConfigDict(extra="forbid")

    members: list[DirectoryId] = Field(default_factory=list, max_length=MAX_IDS)
    departments: list[DirectoryId] = Field(default_factory=list, max_length=MAX_IDS)
    roles: list[DirectoryId] = Field(default_factory=list, max_length=MAX_IDS)

    def is_empty(self) -> bool:
        return not (self.members or self.departments or self.roles)
