"""The ``Approval.Defaults`` Type: the SMS element and template an approval or CC node uses
when the workflow's event does not name them.

An instance lives at ``Approval/<Name>/e.json`` plus ``approval.json``; the approval function
reads ``SMS_APPROVAL_DEFAULTS`` (default ``Approval.Default``)::

    {"approver": {"service": "SMS.Default", "templateCode": "SMS_100000003"},
     "cc":       {"service": "SMS.Default", "templateCode": "SMS_100000006"}}

Each template must take exactly ``processTitle`` and ``userNick`` (the config check verifies it).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared.elements.element import Element, NonEmpty, TemplateNeed
from shared.elements.registry import register_type

TEMPLATE_VARIABLES = frozenset({"processTitle", "userNick"})


class NodeDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    service: str = NonEmpty
    templateCode: str = NonEmpty  # noqa: N815 - the API's field names


class ApprovalConfig(BaseModel):
    """``approval.json``: one entry per node type."""

    model_config = ConfigDict(extra="allow", strict=True)

    approver: NodeDefaults
    cc: NodeDefaults


@register_type("Approval.Defaults")
class ApprovalDefaults(Element):
    """Defaults for approval notifications, loaded like any element (OSS, a Type chain, KMS references)."""

    meta = "Approval.Meta"
    config_files: ClassVar[dict[str, type[BaseModel]]] = {"approval.json": ApprovalConfig}

    @property
    def config(self) -> ApprovalConfig:
        config: ApprovalConfig = self.configs["approval.json"]
        return config

    def for_node(self, node_type: str) -> NodeDefaults:
        """The defaults of ``"approver"`` or ``"cc"`` nodes."""
        defaults: NodeDefaults = getattr(self.config, node_type)
        return defaults

    def template_needs(self) -> list[TemplateNeed]:
        return [
            TemplateNeed(defaults.service, defaults.templateCode, f"approval {node_type} notification",
                         variables=TEMPLATE_VARIABLES)
            for node_type, defaults in (("approver", self.config.approver), ("cc", self.config.cc))
        ]
