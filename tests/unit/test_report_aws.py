"""The daily report's AWS side without AWS: SNS subjects, and the template's private, encrypted, expiring bucket."""

from __future__ import annotations

from factor_cleanup.adapters.aws.report_stores import sns_subject
from factor_cleanup.local.template import load_template
from tests.aws import TEMPLATE


def test_sns_subjects_are_ascii_and_short():
    assert sns_subject("report → 3 items\n" + "x" * 200) == ("report   3 items " + "x" * 200)[:99]


def test_template_keeps_reports_private_encrypted_and_expiring():
    template = load_template(TEMPLATE)
    bucket = template["Resources"]["ReportBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "ReportRetentionDays"} and rule["Prefix"] == "reports/"
    assert template["Parameters"]["ReportRetentionDays"]["Default"] == 90
    function = template["Resources"]["DailyReportFunction"]["Properties"]
    assert [event["Type"] for event in function["Events"].values()] == ["ScheduleV2"]
    assert template["Resources"]["ReportTopic"]["Condition"] == "CreateReportTopic"
