"""In-memory Verify v2 resources behind the local emulator, stored in the shapes of Twilio's spec."""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from factor_cleanup.domain.sids import is_verify_identity
from factor_cleanup.local.verify_emulator_records import (
    CHALLENGE_STATUSES,
    CHALLENGE_TTL,
    DEFAULT_ACCOUNT_SID,
    Record,
    checked_sid,
    iso,
    new_sid,
    utc_now,
)
from factor_cleanup.local.verify_emulator_webhooks import WebhookData


class VerifyData(WebhookData):
    """Services, entities, factors, challenges and webhooks behind one lock (the server is threaded)."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._seq = itertools.count()
        self.reset()

    def reset(self) -> None:
        """Forget every resource."""
        with self.lock:
            self.services: dict[str, Record] = {}
            self.entities: dict[tuple[str, str], Record] = {}
            self.factors: dict[str, Record] = {}
            self.challenges: dict[str, Record] = {}
            self.webhooks: dict[str, Record] = {}

    # --- services and entities ---------------------------------------------------------------
    def add_service(
        self,
        sid: str | None = None,
        friendly_name: str = "push-janitor emulator",
        account_sid: str = DEFAULT_ACCOUNT_SID,
    ) -> Record:
        """Create a Verify Service; everything else hangs off one."""
        sid = checked_sid(sid or new_sid("VA"), "VA")
        now = iso(self.clock())
        record = {
            "sid": sid,
            "account_sid": checked_sid(account_sid, "AC"),
            "friendly_name": friendly_name,
            "code_length": 6,
            "lookup_enabled": False,
            "psd2_enabled": False,
            "skip_sms_to_landlines": False,
            "dtmf_input_required": False,
            "tts_name": None,
            "do_not_share_warning_enabled": False,
            "custom_code_enabled": False,
            "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
            "totp": {"issuer": friendly_name, "time_step": 30, "code_length": 6, "skew": 1},
            "default_template_sid": None,
            "whatsapp": None,
            "passkeys": None,
            "verify_event_subscription_enabled": False,
            "date_created": now,
            "date_updated": now,
            "_path": f"/v2/Services/{sid}",
            "_links": {name: f"/v2/Services/{sid}/{name.title()}" for name in ("entities", "webhooks")},
        }
        with self.lock:
            self.services[sid] = record
        return copy.deepcopy(record)

    def service(self, sid: str) -> Record | None:
        """The service with this SID, or None."""
        with self.lock:
            return copy.deepcopy(self.services.get(sid))

    def _entity(self, service_sid: str, identity: str, created: datetime) -> Record:
        """Find or create the entity for an identity, as Twilio does when a factor is enrolled."""
        service = self.services[service_sid]
        key = (service_sid, identity)
        if key not in self.entities:
            sid = new_sid("YE")
            self.entities[key] = {
                "sid": sid,
                "identity": identity,
                "service_sid": service_sid,
                "account_sid": service["account_sid"],
                "date_created": iso(created),
            }
        return self.entities[key]

    def list_entities(self, service_sid: str) -> list[Record]:
        """The service's entities, oldest first, in Twilio's JSON shape (the registry backfill walks these)."""
        with self.lock:
            found = [e for (service, _), e in self.entities.items() if service == service_sid]
            return [
                {
                    **copy.deepcopy(e),
                    "date_updated": e["date_created"],
                    "_path": f"/v2/Services/{service_sid}/Entities/{e['identity']}",
                    "_links": {
                        name: f"/v2/Services/{service_sid}/Entities/{e['identity']}/{name.title()}"
                        for name in ("factors", "challenges")
                    },
                }
                for e in sorted(found, key=lambda e: (e["date_created"], e["identity"]))
            ]

    def delete_entity(self, service_sid: str, identity: str) -> bool:
        """Remove an entity with its factors and challenges; False if it did not exist."""
        with self.lock:
            if self.entities.pop((service_sid, identity), None) is None:
                return False
            for table in (self.factors, self.challenges):
                for sid in [
                    s for s, r in table.items() if (r["service_sid"], r["identity"]) == (service_sid, identity)
                ]:
                    del table[sid]
            return True

    # --- factors --------------------------------------------------------------------------------
    def add_factor(
        self,
        service_sid: str,
        identity: str,
        platform: str = "fcm",
        status: str = "verified",
        created: datetime | None = None,
        sid: str | None = None,
        friendly_name: str | None = None,
    ) -> Record:
        """Enrol a push factor directly (tests and demos), creating the entity if needed."""
        if not is_verify_identity(identity):
            raise ValueError(f"not a Verify identity (8-64 dash-separated alphanumerics): {identity!r}")
        created = created or self.clock()
        sid = checked_sid(sid or new_sid("YF"), "YF")
        token = secrets.token_hex(32) if platform == "apn" else f"fcm-{secrets.token_urlsafe(48)}"
        with self.lock:
            entity = self._entity(service_sid, identity, created)
            path = f"/v2/Services/{service_sid}/Entities/{identity}/Factors/{sid}"
            self.factors[sid] = {
                "sid": sid,
                "account_sid": entity["account_sid"],
                "service_sid": service_sid,
                "entity_sid": entity["sid"],
                "identity": identity,
                "date_created": iso(created),
                "date_updated": iso(created),
                "friendly_name": friendly_name or f"{platform} device {sid[-4:]}",
                "status": status,
                "factor_type": "push",
                "config": {
                    "sdk_version": "3.0.0",
                    "app_id": "com.example.pushjanitor.demo",
                    "notification_platform": platform,
                    "notification_token": token,
                },
                "metadata": None,
                "_path": path,
                "_seq": next(self._seq),
            }
            return copy.deepcopy(self.factors[sid])

    def _factor(self, service_sid: str, identity: str, sid: str) -> Record | None:
        """The stored factor if it belongs to this service and identity."""
        record = self.factors.get(sid)
        if record is None or (record["service_sid"], record["identity"]) != (service_sid, identity):
            return None
        return record

    def find_factor(self, service_sid: str, identity: str, sid: str) -> Record | None:
        """A copy of the factor, or None when the service, entity or factor is unknown."""
        with self.lock:
            return copy.deepcopy(self._factor(service_sid, identity, sid))

    def has_factor(self, sid: str) -> bool:
        """Whether a factor still exists, for tests checking a deletion."""
        with self.lock:
            return sid in self.factors

    def delete_factor(self, service_sid: str, identity: str, sid: str) -> bool:
        """Delete a factor and its challenges; False if it did not exist."""
        with self.lock:
            if self._factor(service_sid, identity, sid) is None:
                return False
            del self.factors[sid]
            for challenge_sid in [s for s, c in self.challenges.items() if c["factor_sid"] == sid]:
                del self.challenges[challenge_sid]
            return True

    def list_factors(self, service_sid: str, identity: str) -> list[Record]:
        """The entity's factors, oldest first (an unknown entity simply has none)."""
        with self.lock:
            found = [f for f in self.factors.values() if (f["service_sid"], f["identity"]) == (service_sid, identity)]
            return copy.deepcopy(sorted(found, key=lambda f: (f["date_created"], f["_seq"])))

    # --- challenges -----------------------------------------------------------------------------
    def add_challenge(
        self,
        service_sid: str,
        identity: str,
        factor_sid: str,
        status: str = "pending",
        created: datetime | None = None,
        sid: str | None = None,
        message: str = "Approve the sign-in?",
        responded: datetime | None = None,
        fields: Iterable[Record] = (),
        hidden_details: Record | None = None,
    ) -> Record:
        """Create a challenge on an existing factor (tests, demos and POST …/Challenges)."""
        if status not in CHALLENGE_STATUSES:
            raise ValueError(f"status must be one of {sorted(CHALLENGE_STATUSES)}")
        created = created or self.clock()
        expires = created + CHALLENGE_TTL
        responded = (responded or created + timedelta(seconds=12)) if status in ("approved", "denied") else None
        updated = responded or (expires if status == "expired" else created)
        sid = checked_sid(sid or new_sid("YC"), "YC")
        with self.lock:
            factor = self._factor(service_sid, identity, factor_sid)
            if factor is None:
                raise KeyError(factor_sid)
            path = f"/v2/Services/{service_sid}/Entities/{identity}/Challenges/{sid}"
            self.challenges[sid] = {
                "sid": sid,
                "account_sid": factor["account_sid"],
                "service_sid": service_sid,
                "entity_sid": factor["entity_sid"],
                "identity": identity,
                "factor_sid": factor_sid,
                "date_created": iso(created),
                "date_updated": iso(updated),
                "date_responded": iso(responded) if responded else None,
                "expiration_date": iso(expires),
                "status": status,
                "responded_reason": "none",
                "details": {"message": message, "date": iso(created), "fields": list(fields)},
                "hidden_details": hidden_details,
                "metadata": None,
                "factor_type": "push",
                "_path": path,
                "_links": {"notifications": path + "/Notifications"},
                "_seq": next(self._seq),
                "_expires": expires,
            }
            return copy.deepcopy(self.challenges[sid])

    def _expire_pending(self) -> None:
        """Mark pending challenges past their expiration as expired, as Twilio does."""
        now = self.clock()
        for challenge in self.challenges.values():
            if challenge["status"] == "pending" and challenge["_expires"] <= now:
                challenge["status"] = "expired"
                challenge["date_updated"] = challenge["expiration_date"]

    def find_challenge(self, service_sid: str, identity: str, sid: str) -> Record | None:
        """A copy of the challenge, or None when unknown here."""
        with self.lock:
            self._expire_pending()
            found = self.challenges.get(sid)
            if found is None or (found["service_sid"], found["identity"]) != (service_sid, identity):
                return None
            return copy.deepcopy(found)

    def list_challenges(
        self,
        service_sid: str,
        identity: str,
        factor_sid: str | None = None,
        status: str | None = None,
        order: str = "asc",
    ) -> list[Record]:
        """The entity's challenges, filtered like Twilio's list and sorted by date_created."""
        with self.lock:
            self._expire_pending()
            found = [
                c
                for c in self.challenges.values()
                if (c["service_sid"], c["identity"]) == (service_sid, identity)
                and factor_sid in (None, c["factor_sid"])
                and status in (None, c["status"])
            ]
            found.sort(key=lambda c: (c["date_created"], c["_seq"]), reverse=order == "desc")
            return copy.deepcopy(found)
