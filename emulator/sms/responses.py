"""Dysmsapi actions on the wire: read parameters, check the mandatory ones, call the backend, shape the body.

Field names and types follow the SDK models of dysmsapi 4.6.0: QuerySmsTemplate answers
``TemplateStatus``/``TemplateType`` as integers while GetSmsTemplate answers them as strings;
``TotalCount`` is a string; signature statuses are integers. QuerySmsTemplate (offline) and
QuerySmsSign (being retired) stay for other clients; sms-fc calls GetSmsTemplate and GetSmsSign.
Sources in the emulator's README ("Dysmsapi signatures and templates").
"""

from __future__ import annotations

import json
from typing import Any

from emulator.core.errors import InvalidParameter
from emulator.core.responses import BaseResponse, Params, optional, required
from emulator.sms.catalog import Sign, Template
from emulator.sms.errors import BUSINESS_MESSAGES, InvalidParameters
from emulator.sms.models import SmsBackend

OK = {"Code": "OK", "Message": "OK"}
MAX_PAGE_SIZE = 50
NO_REMARKS = "无审批备注"


def integer(params: Params, name: str) -> int:
    text = required(params, name)
    try:
        return int(text)
    except ValueError:
        raise InvalidParameter(f"The parameter {name} must be an integer: {text!r}.") from None


def audit_info(status: int, create_date: str, reason: str) -> dict[str, str]:
    return {"AuditDate": "" if status == 0 else create_date, "RejectInfo": reason if status == 2 else ""}


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
        })

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
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidParameters(detail=f"PageSize须在1到{MAX_PAGE_SIZE}之间: {page_size}")
        if current_page < 1:
            raise InvalidParameters(detail=f"CurrentPage须大于0: {current_page}")
        found = self.backend.send_details(phone, send_date, optional(params, "BizId"))
        page = found[(current_page - 1) * page_size:current_page * page_size]
        now = self.backend.clock.now()
        return {"TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [message.send_detail(now) for message in page]}}

    def query_sms_sign(self, params: Params, request_id: str) -> dict[str, Any]:
        sign = self.backend.catalog.sign(required(params, "SignName"))
        return {"SignName": sign.name, "SignStatus": sign.status, "Reason": sign.reason,
                "CreateDate": sign.create_date}

    def get_sms_sign(self, params: Params, request_id: str) -> dict[str, Any]:
        sign: Sign = self.backend.catalog.sign(required(params, "SignName"))
        return {
            "SignName": sign.name, "SignCode": sign.sign_code, "SignStatus": sign.status, "SignTag": "2",
            "CreateDate": sign.create_date, "AuditInfo": audit_info(sign.status, sign.create_date, sign.reason),
            "SignIspRegisterDetailList": [], "ApplyScene": "", "SignUsage": "", "ThirdParty": False,
            "Remark": "", "OrderId": "", "QualificationId": 0, "RegisterResult": 1 if sign.status == 1 else -1,
        }

    def query_sms_template(self, params: Params, request_id: str) -> dict[str, Any]:
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
            "VariableAttribute": json.dumps(template.attributes, ensure_ascii=False), "Remark": "", "OrderId": "",
            "ApplyScene": "", "RelatedSignName": "",
        }
