"""Dysmsapi actions on the wire: read parameters, check the mandatory ones, call the backend, shape the body.

Field names and types follow the SDK models of dysmsapi 4.6.0: QuerySmsTemplate answers
``TemplateStatus``/``TemplateType`` as integers while GetSmsTemplate answers them as strings;
``TotalCount`` is a string; signature statuses are integers. QuerySmsTemplateList and QuerySmsSignList
page the catalogue (``PageIndex`` default 1, ``PageSize`` 1–50 default 10). QuerySmsTemplate (offline)
and QuerySmsSign (being retired) stay for other clients unless seed ``sms.retiredActions`` names them;
sms-fc calls GetSmsTemplate and GetSmsSign.
Sources in the emulator's README ("Dysmsapi signatures and templates").
"""

from __future__ import annotations

import json
from typing import Any

from emulator.core.errors import InvalidParameter
from emulator.core.responses import BaseResponse, Params, optional, required
from emulator.sms.catalog import VERIFICATION_SCENE, Sign, Template
from emulator.sms.errors import BUSINESS_MESSAGES, InterfaceOffline, InvalidParameters
from emulator.sms.models import SmsBackend

OK = {"Code": "OK", "Message": "OK"}
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
NO_REMARKS = "无审批备注"
REJECTED = 2
# QuerySms*List's AuditStatus per status; the template list's cancel value is spelt as the SDK documents it.
SIGN_AUDIT = {0: "AUDIT_STATE_INIT", 1: "AUDIT_STATE_PASS", 2: "AUDIT_STATE_NOT_PASS", 10: "AUDIT_STATE_CANCEL"}
TEMPLATE_AUDIT = {**SIGN_AUDIT, 10: "AUDIT_SATE_CANCEL"}
# QuerySmsTemplateList's TemplateType is Aliyun's internal numbering; OuterTemplateType is the usual one.
INTERNAL_TEMPLATE_TYPE = {0: 2, 1: 0, 2: 1, 3: 6}
BUSINESS_TYPE = {VERIFICATION_SCENE: "验证码"}
GENERAL_BUSINESS_TYPE = "通用"


def integer(params: Params, name: str) -> int:
    text = required(params, name)
    try:
        return int(text)
    except ValueError:
        raise InvalidParameter(f"The parameter {name} must be an integer: {text!r}.") from None


def audit_info(status: int, create_date: str, reason: str) -> dict[str, str]:
    return {"AuditDate": "" if status == 0 else create_date, "RejectInfo": reason if status == REJECTED else ""}


def list_reason(status: int, create_date: str, reason: str) -> dict[str, str]:
    """The list actions' ``Reason``: the rejection, else "无审批备注" (as the SDK model documents)."""
    rejected = status == REJECTED
    return {"RejectDate": create_date if rejected else "", "RejectInfo": reason if rejected else NO_REMARKS,
            "RejectSubInfo": ""}


def page_of(params: Params) -> tuple[int, int]:
    """``PageIndex`` (default 1) and ``PageSize`` (1–50, default 10) of a list action."""
    index = integer(params, "PageIndex") if params.get("PageIndex") else 1
    size = integer(params, "PageSize") if params.get("PageSize") else DEFAULT_PAGE_SIZE
    check_page(index, size, "PageIndex")
    return index, size


def check_page(index: int, size: int, index_name: str) -> None:
    """``isv.InvalidParameters`` naming a page size outside 1–50 or a page number below 1."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidParameters(detail=f"PageSize须在1到{MAX_PAGE_SIZE}之间: {size}")
    if index < 1:
        raise InvalidParameters(detail=f"{index_name}须大于0: {index}")


def paginate(items: list[Any], index: int, size: int) -> list[Any]:
    """Page ``index`` (from 1) of ``items``, ``size`` a page."""
    return items[(index - 1) * size:index * size]


class SmsApi(BaseResponse):
    """Maps Dysmsapi action names to handlers over one :class:`SmsBackend`; a failed call raises
    PopError (gateway) or SmsError (business)."""

    business_messages = BUSINESS_MESSAGES
    envelope = OK

    def __init__(self, backend: SmsBackend) -> None:
        self.backend = backend
        super().__init__({
            "SendSms": self.send_sms,
            "SendBatchSms": self.send_batch_sms,
            "QuerySendDetails": self.query_send_details,
            "QuerySmsSign": self.query_sms_sign,
            "GetSmsSign": self.get_sms_sign,
            "QuerySmsTemplate": self.query_sms_template,
            "GetSmsTemplate": self.get_sms_template,
            "QuerySmsTemplateList": self.query_sms_template_list,
            "QuerySmsSignList": self.query_sms_sign_list,
        })

    def _not_retired(self, action: str) -> None:
        if action in self.backend.settings.retired_actions:
            raise InterfaceOffline(detail=f"{action}已下线(emulator: sms.retiredActions)")

    def send_sms(self, params: Params, request_id: str) -> dict[str, Any]:
        phones, sign, template = (required(params, n) for n in ("PhoneNumbers", "SignName", "TemplateCode"))
        biz_id = self.backend.send_sms(phones, sign, template, params.get("TemplateParam"), request_id,
                                       optional(params, "OutId"), optional(params, "SmsUpExtendCode"))
        return {"BizId": biz_id}

    def send_batch_sms(self, params: Params, request_id: str) -> dict[str, Any]:
        phones, signs, template = (required(params, n) for n in ("PhoneNumberJson", "SignNameJson", "TemplateCode"))
        biz_id = self.backend.send_batch_sms(phones, signs, template, params.get("TemplateParamJson"),
                                             request_id, optional(params, "OutId"),
                                             optional(params, "SmsUpExtendCodeJson"))
        return {"BizId": biz_id}

    def query_send_details(self, params: Params, request_id: str) -> dict[str, Any]:
        phone, send_date = required(params, "PhoneNumber"), required(params, "SendDate")
        page_size, current_page = integer(params, "PageSize"), integer(params, "CurrentPage")
        check_page(current_page, page_size, "CurrentPage")
        found = self.backend.send_details(phone, send_date, optional(params, "BizId"))
        page = paginate(found, current_page, page_size)
        now = self.backend.clock.now()
        return {"TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [message.send_detail(now) for message in page]}}

    def query_sms_sign(self, params: Params, request_id: str) -> dict[str, Any]:
        self._not_retired("QuerySmsSign")
        sign = self.backend.catalog.sign(required(params, "SignName"))
        return {"SignName": sign.name, "SignStatus": sign.status, "Reason": sign.reason,
                "CreateDate": sign.create_date}

    def get_sms_sign(self, params: Params, request_id: str) -> dict[str, Any]:
        sign: Sign = self.backend.catalog.sign(required(params, "SignName"))
        return {
            "SignName": sign.name, "SignCode": sign.sign_code, "SignStatus": sign.status, "SignTag": "2",
            "CreateDate": sign.create_date, "AuditInfo": audit_info(sign.status, sign.create_date, sign.reason),
            "SignIspRegisterDetailList": [], "ApplyScene": sign.apply_scene, "SignUsage": "", "ThirdParty": False,
            "Remark": sign.remark, "OrderId": "", "QualificationId": 0,
            "RegisterResult": 1 if sign.status == 1 else -1, "FileUrlList": [], "AppIcpRecordId": 0,
            "TrademarkId": 0, "AuthorizationLetterId": 0, "AuthorizationLetterAuditPass": False,
        }

    def query_sms_template(self, params: Params, request_id: str) -> dict[str, Any]:
        self._not_retired("QuerySmsTemplate")
        template = self.backend.catalog.template(required(params, "TemplateCode"))
        return {
            "TemplateCode": template.code, "TemplateName": template.name, "TemplateContent": template.content,
            "TemplateStatus": template.status, "TemplateType": template.type,
            "Reason": template.reason or NO_REMARKS, "CreateDate": template.create_date,
        }

    def get_sms_template(self, params: Params, request_id: str) -> dict[str, Any]:
        template: Template = self.backend.catalog.template(required(params, "TemplateCode"))
        return {
            "TemplateCode": template.code, "TemplateName": template.name, "TemplateContent": template.content,
            "TemplateStatus": str(template.status), "TemplateType": str(template.type), "TemplateTag": 2,
            "CreateDate": template.create_date,
            "AuditInfo": audit_info(template.status, template.create_date, template.reason),
            "VariableAttribute": json.dumps(template.attributes, ensure_ascii=False), "Remark": template.remark,
            "OrderId": "", "ApplyScene": "", "RelatedSignName": template.sign_name, "IntlType": 0,
            "FileUrlList": {"FileUrl": []}, "MoreDataFileUrlList": {"MoreDataFileUrl": []},
            "SignList": {"SignList": [template.sign_name] if template.sign_name else []}, "VendorAuditStatus": {},
        }

    def query_sms_template_list(self, params: Params, request_id: str) -> dict[str, Any]:
        index, size = page_of(params)
        templates = list(self.backend.catalog.templates.values())
        page = paginate(templates, index, size)
        return {"TotalCount": len(templates), "CurrentPage": index, "PageSize": size, "SmsTemplateList": [{
            "TemplateCode": t.code, "TemplateName": t.name, "TemplateContent": t.content,
            "AuditStatus": TEMPLATE_AUDIT[t.status], "OuterTemplateType": t.type,
            "TemplateType": INTERNAL_TEMPLATE_TYPE[t.type], "CreateDate": t.create_date, "OrderId": "",
            "SignatureName": t.sign_name, "TrafficDriving": "",
            "Reason": list_reason(t.status, t.create_date, t.reason),
        } for t in page]}

    def query_sms_sign_list(self, params: Params, request_id: str) -> dict[str, Any]:
        index, size = page_of(params)
        signs = list(self.backend.catalog.signs.values())
        page = paginate(signs, index, size)
        return {"TotalCount": len(signs), "CurrentPage": index, "PageSize": size, "SmsSignList": [{
            "SignName": s.name, "AuditStatus": SIGN_AUDIT[s.status], "CreateDate": s.create_date, "OrderId": "",
            "BusinessType": BUSINESS_TYPE.get(s.scene, GENERAL_BUSINESS_TYPE),
            "Reason": list_reason(s.status, s.create_date, s.reason), "AppIcpRecordId": 0, "TrademarkId": 0,
            "AuthorizationLetterId": 0, "authorizationLetterAuditPass": False,
        } for s in page]}
