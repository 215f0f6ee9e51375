"""The ``Directory.Static`` Type: members, departments and app roles, by id.

Loaded as an element (``Directory/<Name>/e.json`` + ``directory.json``) through the config
loader, so it can live in OSS and take defaults from a Type like any element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.elements.element import Element, NonEmpty
from shared.elements.registry import register_type
from shared.errors import InvalidParameterError
from shared.sms.phones import normalize_phone
from shared.sms.recipients import Recipients


class Member(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = NonEmpty
    name: str = ""
    phone: str | None = None
    departments: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)


class Department(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = NonEmpty
    name: str = ""
    parent: str | None = None


class Role(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = NonEmpty
    name: str = ""


class DirectoryConfig(BaseModel):
    """``directory.json``: a member names its departments and roles; a department its parent."""

    model_config = ConfigDict(extra="allow")

    members: list[Member] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)


@dataclass
class Resolution:
    """Recipients resolved to phones, with everything that could not be used."""

    phones: list[str] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=lambda: {"members": [], "departments": [], "roles": []})
    without_phone: list[str] = field(default_factory=list)  # member ids with no usable number

    def report(self) -> dict[str, Any]:
        return {"phones": len(self.phones), "unknown": self.unknown, "withoutPhone": self.without_phone}


@register_type("Directory.Static")
class StaticDirectory(Element):
    """A directory kept as JSON."""

    meta = "Directory.Meta"
    config_files: ClassVar[dict[str, type[BaseModel]]] = {"directory.json": DirectoryConfig}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config: DirectoryConfig = self.configs["directory.json"]
        self.members = {m.id: m for m in config.members}
        self.departments = {d.id: d for d in config.departments}
        self.roles = {r.id: r for r in config.roles}
        self._children: dict[str, list[str]] = {}
        for department in config.departments:
            if department.parent:
                self._children.setdefault(department.parent, []).append(department.id)

    def resolve(self, recipients: Recipients) -> Resolution:
        """One deduplicated phone list; unknown ids and members without a phone are reported."""
        result = Resolution()
        chosen: dict[str, None] = {}
        for member_id in recipients.members:
            if member_id in self.members:
                chosen[member_id] = None
            else:
                result.unknown["members"].append(member_id)
        for department_id in recipients.departments:
            if department_id not in self.departments:
                result.unknown["departments"].append(department_id)
                continue
            scope = self._subtree(department_id)
            chosen.update((m.id, None) for m in self.members.values() if scope.intersection(m.departments))
        for role_id in recipients.roles:
            if role_id not in self.roles:
                result.unknown["roles"].append(role_id)
                continue
            chosen.update((m.id, None) for m in self.members.values() if role_id in m.roles)
        phones: dict[str, None] = {}
        for member_id in chosen:
            phone = self.members[member_id].phone
            try:
                phones[normalize_phone(phone)] = None
            except InvalidParameterError:
                result.without_phone.append(member_id)
        result.phones = list(phones)
        return result

    def _subtree(self, department_id: str) -> set[str]:
        """The department and every sub-department below it (cycles are harmless)."""
        seen, stack = set(), [department_id]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self._children.get(current, []))
        return seen
