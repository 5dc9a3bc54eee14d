"""SMS through an HTTP SMS API: Aliyun 短信服务 (dysmsapi, RPC style, API version 2017-05-25).

``SendSms`` carries our idempotency key as ``OutId``, which the provider stores with the message;
``QuerySendDetails`` lists a number's messages of one day with their ``OutId``, which is how a
retry first asks whether an earlier attempt already went out (``find``). Requests are signed
with the account's AccessKey (signature version 1.0: HMAC-SHA1 over the sorted, percent-encoded
parameters). Only the standard library is used: one GET per call, TLS verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.services.ports.outbound import (
    GatewayRejected,
    GatewayUnavailable,
    OutboundMessage,
    Receipt,
)

log = logging.getLogger(__name__)

API_VERSION = "2017-05-25"
#: Codes that condemn this one message (its number or parameters): never retried. Every other
#: error (throttling, the provider's own trouble, a wrong AccessKey) is retried, so a fixed
#: configuration lets the waiting messages go.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.BLACK_KEY_CONTROL_LIMIT",
    }
)
#: Days back a retry looks for an earlier attempt (retries give up within about a day).
LOOKBACK_DAYS = 2
_SENT_OR_WAITING = (1, 3)  # SendStatus: 1 waiting for the carrier's report, 2 failed, 3 delivered


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature needs it (space %20, ``*`` %2A, ``~`` kept)."""
    return urllib.parse.quote(value, safe="~")


def signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Signature version 1.0 of ``params`` (without ``Signature``)."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class AliyunSmsConfig:
    """The hall's SMS account (短信账号); the secret comes from the keyring or a protected file."""

    access_key_id: str
    access_key_secret: str
    sign_name: str  # 短信签名, e.g. 湛河区政务服务
    templates: Mapping[str, str] = field(default_factory=dict)  # notice kind -> TemplateCode
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region: str = "cn-hangzhou"
    timeout_seconds: float = 10.0


class AliyunSmsGateway:
    """``Gateway`` for SMS over Aliyun's HTTP API."""

    def __init__(
        self, config: AliyunSmsConfig, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self._config = config
        self._now = now or (lambda: datetime.now(UTC))

    def _call(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        config = self._config
        common = {
            "AccessKeyId": config.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": config.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        signed = {**common, **params}
        signed["Signature"] = signature(signed, config.access_key_secret)
        url = config.endpoint + "?" + urllib.parse.urlencode(signed, quote_via=urllib.parse.quote)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=config.timeout_seconds) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            body = error.read()
            if error.code >= 500:
                raise GatewayUnavailable(
                    f"sms {action}: HTTP {error.code}", f"短信平台暂时故障（HTTP {error.code}）"
                ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise GatewayUnavailable(
                f"sms {action}: {error}", "短信平台无法连接，稍后自动重试"
            ) from None
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise GatewayUnavailable(
                f"sms {action}: answer is not JSON", "短信平台的答复无法识别，稍后自动重试"
            ) from None
        if not isinstance(data, dict):
            raise GatewayUnavailable(f"sms {action}: odd answer", "短信平台的答复无法识别")
        code = str(data.get("Code", ""))
        if code == "OK":
            return data
        message = str(data.get("Message", ""))
        if code in PERMANENT_CODES:
            raise GatewayRejected(
                f"sms {action}: {code} {message}", f"短信平台拒收：{message or code}"
            )
        raise GatewayUnavailable(
            f"sms {action}: {code} {message}", f"短信暂未发出：{message or code}"
        )

    def send(self, message: OutboundMessage) -> Receipt:
        sms = message.sms()
        template = sms.template
        template_code = self._config.templates.get(template)
        if not template_code:
            raise GatewayRejected(
                f"no template code for {template!r}", f"未配置“{template}”短信模板编号"
            )
        data = self._call(
            "SendSms",
            {
                "PhoneNumbers": sms.phone,
                "SignName": self._config.sign_name,
                "TemplateCode": template_code,
                "TemplateParam": json.dumps(dict(sms.params), ensure_ascii=False, sort_keys=True),
                "OutId": message.key,
            },
        )
        return Receipt(str(data.get("BizId") or data.get("RequestId") or message.key))

    def find(self, message: OutboundMessage) -> Receipt | None:
        phone = message.sms().phone
        today = self._now().astimezone(CHINA_TIME).date()
        for back in range(LOOKBACK_DAYS + 1):
            day = today - timedelta(days=back)
            page = 1
            while True:
                data = self._call(
                    "QuerySendDetails",
                    {
                        "PhoneNumber": phone,
                        "SendDate": day.strftime("%Y%m%d"),
                        "PageSize": "50",
                        "CurrentPage": str(page),
                    },
                )
                details = (data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for detail in details:
                    if (
                        detail.get("OutId") == message.key
                        and detail.get("SendStatus") in _SENT_OR_WAITING
                    ):
                        return Receipt(f"{phone}@{detail.get('SendDate', day.isoformat())}")
                total = int(data.get("TotalCount") or 0)
                if page * 50 >= total:
                    break
                page += 1
        return None
