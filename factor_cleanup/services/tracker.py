"""Keeps the factor registry current from Verify webhooks and app activity reports, the evidence decisions rest on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import (
    CHALLENGE_ANSWERS,
    FACTOR_CREATED,
    FACTOR_DELETED,
    FACTOR_VERIFIED,
    AppActivity,
    VerifyEvent,
)
from factor_cleanup.domain.ports import Clock, FactorRegistry
from factor_cleanup.domain.timestamps import parse_iso

log = structlog.get_logger(__name__)


@dataclass
class FactorTracker:
    registry: FactorRegistry
    clock: Clock

    def apply_verify_event(self, event: VerifyEvent) -> dict[str, Any]:
        """factor.created/verified/deleted set status and deletion; challenge answers move last_seen forward."""
        at = self._not_in_future(event.occurred_at)
        known = FactorRecord(event.factor_sid, event.service_sid, event.identity, factor_type=event.factor_type)
        if event.type == FACTOR_CREATED:
            self.registry.record_factor(replace(known, status="unverified", created_at=iso_utc(at)))
        elif event.type == FACTOR_VERIFIED:
            self.registry.record_factor(
                replace(
                    known, status="verified", verified_at=iso_utc(at), last_seen=iso_utc(at), last_seen_via=event.type
                )
            )
        elif event.type == FACTOR_DELETED:
            self.registry.mark_deleted(event.factor_sid, at, "user", confirmed=True)
        elif event.type in CHALLENGE_ANSWERS:
            self.registry.mark_seen(event.factor_sid, at, event.type)
        else:
            return self._result(event.event_id, event.factor_sid, "ignored", f"event type {event.type} changes nothing")
        return self._result(event.event_id, event.factor_sid, "applied", f"{event.type} at {iso_utc(at)}")

    def apply_activity(self, activity: AppActivity) -> dict[str, Any]:
        """Mark the factor seen; an identity counts only when it has exactly one verified factor."""
        at = self._not_in_future(activity.occurred_at)
        factor_sid = activity.factor_sid
        if factor_sid is None:
            assert activity.service_sid and activity.identity  # guaranteed by the message model
            live = self.registry.live_factors_of(activity.service_sid, activity.identity)
            if len(live) != 1:
                why = (
                    f"identity {activity.identity} has {len(live)} verified factors in the registry; "
                    "an app-open report names one device only when it carries factor_sid"
                )
                log.info("activity_ignored", event_id=activity.event_id, reason=why)
                return self._result(activity.event_id, None, "ignored", why)
            factor_sid = live[0]
        moved = self.registry.mark_seen(factor_sid, at, "app_activity")
        detail = f"last_seen {'moved to' if moved else 'was already at or after'} {iso_utc(at)}"
        return self._result(activity.event_id, factor_sid, "applied", detail)

    def _not_in_future(self, text: str) -> datetime:
        """A clock running ahead must not make a factor look alive for longer than it was."""
        return min(parse_iso(text), self.clock.now())

    @staticmethod
    def _result(event_id: str, factor_sid: str | None, status: str, detail: str) -> dict[str, Any]:
        log.info(
            "registry_updated" if status == "applied" else "registry_unchanged",
            event_id=event_id,
            factor_sid=factor_sid,
            detail=detail,
        )
        return {"event_id": event_id, "factor_sid": factor_sid, "status": status, "detail": detail}
