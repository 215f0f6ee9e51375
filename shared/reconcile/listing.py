"""What Aliyun lists for one message to one number: ``QuerySendDetails`` paged and matched by ``OutId``.

The API takes one ``PhoneNumber`` and one Beijing ``SendDate`` and cannot filter by ``OutId``, so
every page of that number's day is read and matched here. A message sent close to a Beijing
midnight may be listed under either date: both are asked (never a date still in the future).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from shared.store.message_log import DELIVERED, FAILED, SUBMITTED, NumberStatus

PAGE_SIZE = 50  # QuerySendDetails' largest page
MIDNIGHT_MARGIN_SECONDS = 600  # how near a Beijing midnight a send may be listed under the other date
BEIJING = timezone(timedelta(hours=8))
# SendStatus: 1 waiting for its receipt, 2 failed, 3 delivered
STATUSES: dict[str, NumberStatus] = {"1": SUBMITTED, "2": FAILED, "3": DELIVERED}


class DetailsGateway(Protocol):
    def query_send_details(self, phone: str, send_date: str, *, page: int, page_size: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Listing:
    """The message as Aliyun lists it: ``submitted`` (no receipt yet), ``delivered`` or ``failed``."""

    status: NumberStatus
    err_code: str | None


def send_dates(sent_at: float, now: float) -> list[str]:
    """The Beijing dates (``yyyyMMdd``) a message sent at ``sent_at`` may be listed under."""
    today = datetime.fromtimestamp(now, BEIJING).date()
    dates = []
    for moment in (sent_at - MIDNIGHT_MARGIN_SECONDS, sent_at, sent_at + MIDNIGHT_MARGIN_SECONDS):
        day = datetime.fromtimestamp(moment, BEIJING).date()
        if day <= today and day.strftime("%Y%m%d") not in dates:
            dates.append(day.strftime("%Y%m%d"))
    return dates


def find_listing(gateway: DetailsGateway, phone: str, out_id: str, *, sent_at: float, now: float) -> Listing | None:
    """The listing of message ``out_id`` to ``phone``, or None when Aliyun lists no such message."""
    for send_date in send_dates(sent_at, now):
        page = 1
        while True:
            body = gateway.query_send_details(phone, send_date, page=page, page_size=PAGE_SIZE)
            details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                if detail.get("OutId") == out_id:
                    status = STATUSES.get(str(detail.get("SendStatus")), SUBMITTED)
                    return Listing(status, detail.get("ErrCode") or None)
            if not details or page * PAGE_SIZE >= int(body.get("TotalCount") or 0):
                break
            page += 1
    return None
