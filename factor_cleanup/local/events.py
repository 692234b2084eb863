"""Real AWS event shapes (API Gateway HTTP API 2.0, SQS), so local runs call handlers exactly as Lambda does."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any


def api_gateway_event(
    method: str,
    path: str,
    *,
    body: str | bytes = "",
    headers: dict[str, str] | None = None,
    query: str = "",
    domain: str = "127.0.0.1",
    stage: str = "$default",
    base64_body: bool = False,
) -> dict[str, Any]:
    """An HTTP API payload-2.0 event for `method path`, as API Gateway hands it to Lambda."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    encoded = base64_body or not _is_text(raw)
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": f"{method.upper()} {path}",
        "rawPath": path if stage == "$default" else f"/{stage}{path}",
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method.upper()} {path}",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(raw).decode("ascii") if encoded else raw.decode("utf-8"),
        "isBase64Encoded": encoded,
    }


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event from `receive_message` results (with `Attributes` requested: All)."""
    region = queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "us-east-1"
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


@dataclass
class LocalLambdaContext:
    """The parts of the Lambda context our handlers and Powertools read."""

    function_name: str = "push-janitor-local"
    timeout_seconds: float = 60.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:push-janitor-local"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))
