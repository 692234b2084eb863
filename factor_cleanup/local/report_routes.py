"""`POST /_local/daily-report[?day=YYYY-MM-DD]`: run the scheduled report function now, as `make report-daily` does.

Locally the default day is today (UTC), so the report includes the events just sent; on AWS the schedule
reports the day before. The answer lists the S3 keys and a presigned URL (an hour) to open each file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs


def daily_report_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from handlers import daily_report  # after the local stack has configured the environment

    day = parse_qs(event.get("rawQueryString") or "").get("day", [datetime.now(UTC).date().isoformat()])[0]
    try:
        result = daily_report.handler({"day": day}, context)
    except ValueError as exc:
        return _json(400, {"error": "bad_day", "message": str(exc)})
    result["urls"] = {form: _presigned(uri) for form, uri in result["locations"].items()}
    return _json(200, result)


def _presigned(uri: str) -> str:
    from factor_cleanup.runtime.bootstrap import boto3_client

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return boto3_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
    )


def _json(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
