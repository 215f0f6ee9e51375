"""Dysmsapi business error codes, answered inside HTTP 200 bodies as ``{Code, Message, RequestId}``.

``Message`` is Aliyun's published text for the code (API error codes,
https://help.aliyun.com/document_detail/101346.html, and the answers it is seen giving), so code
that compares or parses ``Message`` behaves as against Aliyun. What the emulator adds (which
variable, which number) goes in a separate field, ``EmulatorDetail``, that no SDK model reads.
"""

from __future__ import annotations

from typing import Any

from emulator.core.errors import BusinessError

DETAIL_FIELD = "EmulatorDetail"


class SmsError(BusinessError):
    """Base of the Dysmsapi business errors; one subclass per code.

    ``message`` replaces the published text only where Aliyun's own text varies (flow control's
    "Permits"); ``detail`` is the emulator's explanation, answered in ``EmulatorDetail``.
    """

    def __init__(self, message: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail

    def body(self, request_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = super().body(request_id)
        if self.detail:
            answer[DETAIL_FIELD] = self.detail
        return answer


class MobileNumberIllegal(SmsError):
    code = "isv.MOBILE_NUMBER_ILLEGAL"
    message = "非法手机号"


class MobileCountOverLimit(SmsError):
    code = "isv.MOBILE_COUNT_OVER_LIMIT"
    message = "手机号码数量超过限制"


class SignatureIllegal(SmsError):
    code = "isv.SMS_SIGNATURE_ILLEGAL"
    message = "签名不合法(不存在或被拉黑)"


class SignatureSceneIllegal(SmsError):
    code = "isv.SMS_SIGNATURE_SCENE_ILLEGAL"
    message = "签名和模板类型不一致"


class TemplateIllegal(SmsError):
    code = "isv.SMS_TEMPLATE_ILLEGAL"
    message = "模板不合法(不存在或被拉黑)"


class InvalidJsonParam(SmsError):
    code = "isv.INVALID_JSON_PARAM"
    message = "JSON参数不合法，只接受字符串值"


class TemplateMissingParameters(SmsError):
    code = "isv.TEMPLATE_MISSING_PARAMETERS"
    message = "模板变量缺少对应参数值"


class TemplateParamsIllegal(SmsError):
    code = "isv.TEMPLATE_PARAMS_ILLEGAL"
    message = "模版变量里包含非法关键字"


class SignStateIllegal(SmsError):
    code = "isv.SIGN_STATE_ILLEGAL"
    message = "签名状态为“不可用”"


class TestNumberLimit(SmsError):
    __test__ = False  # not a pytest class
    code = "isv.SMS_TEST_NUMBER_LIMIT"
    message = "只能向已回复授权信息的手机号发送"


class TestSignTemplateLimit(SmsError):
    __test__ = False
    code = "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT"
    message = "测试模板和签名限制"


class TestTemplateParamsIllegal(SmsError):
    __test__ = False
    code = "isv.SMS_TEST_TEMPLATE_PARAMS_ILLEGAL"
    message = "测试专用模板中的变量仅支持4~6位纯数字"


class InterfaceOffline(SmsError):
    code = "isv.INTERFACE_OFFLINE"
    message = "接口已下线"


class ParamLengthLimit(SmsError):
    code = "isv.PARAM_LENGTH_LIMIT"
    message = "参数超出长度限制"


class ParamNotSupportUrl(SmsError):
    code = "isv.PARAM_NOT_SUPPORT_URL"
    message = "不支持URL"


class InvalidParameters(SmsError):
    code = "isv.INVALID_PARAMETERS"
    message = "参数异常"


class BusinessLimitControl(SmsError):
    code = "isv.BUSINESS_LIMIT_CONTROL"
    message = "业务限流"


class BlackKeyControlLimit(SmsError):
    code = "isv.BLACK_KEY_CONTROL_LIMIT"
    message = "黑名单管控"


class AmountNotEnough(SmsError):
    code = "isv.AMOUNT_NOT_ENOUGH"
    message = "账户余额不足"


class OutOfService(SmsError):
    code = "isv.OUT_OF_SERVICE"
    message = "业务停机"


class DayLimitControl(SmsError):
    code = "isv.DAY_LIMIT_CONTROL"
    message = "触发日发送限额"


class MonthLimitControl(SmsError):
    code = "isv.MONTH_LIMIT_CONTROL"
    message = "触发月发送限额"


class DenyIpRange(SmsError):
    code = "isv.DENY_IP_RANGE"
    message = "源IP地址所在的地区被禁用"


class AccountNotExists(SmsError):
    code = "isv.ACCOUNT_NOT_EXISTS"
    message = "账户不存在"


class AccountAbnormal(SmsError):
    code = "isv.ACCOUNT_ABNORMAL"
    message = "账户异常"


class ProductUnsubscribed(SmsError):
    code = "isv.PRODUCT_UN_SUBSCRIPT"
    message = "未开通云通信产品的阿里云客户"


class SystemError(SmsError):  # noqa: A001 - Aliyun's name for isp.SYSTEM_ERROR
    code = "isp.SYSTEM_ERROR"
    message = "系统异常"


class RamPermissionDeny(SmsError):
    code = "isp.RAM_PERMISSION_DENY"
    message = "RAM权限DENY"


BUSINESS_MESSAGES: dict[str, str] = {cls.code: cls.message for cls in SmsError.__subclasses__()}
