"""The Verify Service webhooks of the local emulator (part of VerifyData: the same lock and records)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from factor_cleanup.local.verify_emulator_records import Record, iso, new_sid


class WebhookData:
    """Verify webhooks (`YW…`) per service; VerifyData sets the lock, clock, records and sequence they share."""

    lock: threading.RLock
    clock: Callable[[], datetime]
    services: dict[str, Record]
    webhooks: dict[str, Record]
    _seq: Iterator[int]

    # --- webhooks -------------------------------------------------------------------------------
    def add_webhook(
        self,
        service_sid: str,
        friendly_name: str,
        event_types: list[str],
        webhook_url: str,
        status: str = "enabled",
        version: str = "v2",
    ) -> Record:
        """Register a Verify webhook on a service."""
        sid = new_sid("YW")
        now = iso(self.clock())
        with self.lock:
            self.webhooks[sid] = {
                "sid": sid,
                "service_sid": service_sid,
                "account_sid": self.services[service_sid]["account_sid"],
                "friendly_name": friendly_name,
                "event_types": list(event_types),
                "status": status,
                "version": version,
                "webhook_url": webhook_url,
                "webhook_method": "POST",
                "date_created": now,
                "date_updated": now,
                "_path": f"/v2/Services/{service_sid}/Webhooks/{sid}",
                "_seq": next(self._seq),
            }
            return copy.deepcopy(self.webhooks[sid])

    def find_webhook(self, service_sid: str, sid: str) -> Record | None:
        """A copy of the webhook, or None when unknown on this service."""
        with self.lock:
            found = self.webhooks.get(sid)
            return copy.deepcopy(found) if found and found["service_sid"] == service_sid else None

    def update_webhook(self, service_sid: str, sid: str, changes: Record) -> Record | None:
        """Apply the given field changes; None when the webhook is unknown."""
        with self.lock:
            if self.find_webhook(service_sid, sid) is None:
                return None
            self.webhooks[sid].update(changes, date_updated=iso(self.clock()))
            return copy.deepcopy(self.webhooks[sid])

    def delete_webhook(self, service_sid: str, sid: str) -> bool:
        """Remove a webhook; False when unknown."""
        with self.lock:
            return self.find_webhook(service_sid, sid) is not None and self.webhooks.pop(sid) is not None

    def list_webhooks(self, service_sid: str) -> list[Record]:
        """The service's webhooks, oldest first."""
        with self.lock:
            return copy.deepcopy([w for w in self.webhooks.values() if w["service_sid"] == service_sid])
