"""Explains a failing X-Twilio-Signature: the top cause of 403s behind API Gateway and proxies.

It re-checks a captured request against the URL variants Twilio may really have signed (scheme,
stage path, trailing slash, query string, connection-override fragment) and every known token,
and names the difference that makes it pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from factor_cleanup.adapters.twilio.setup import RETRY_FRAGMENT
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.intake.signature import FormParams, SignatureChecker


@dataclass
class SignatureDiagnosis:
    valid: bool
    lines: list[str] = field(default_factory=list)

    def explain(self) -> str:
        return "\n".join(self.lines)


def url_variants(url: str, stage: str | None) -> list[tuple[str, str]]:
    """(variant, what differs from the configured URL), the configured URL first."""
    scheme, host, path, query, _ = urlsplit(url)
    other_scheme = "http" if scheme == "https" else "https"
    variants = [(url, "as configured"), (urlunsplit((other_scheme, host, path, query, "")), f"scheme {other_scheme}")]
    variants.append(
        (
            urlunsplit((scheme, host, path.rstrip("/") if path.endswith("/") else path + "/", query, "")),
            "trailing slash differs",
        )
    )
    segments = [s for s in path.split("/") if s]
    if len(segments) > 2:
        variants.append(
            (urlunsplit((scheme, host, "/" + "/".join(segments[1:]), query, "")), f"without the /{segments[0]} prefix")
        )
    if stage and stage != "$default" and not path.startswith(f"/{stage}/"):
        variants.append(
            (urlunsplit((scheme, host, f"/{stage}{path}", query, "")), f"with the API Gateway stage /{stage}")
        )
    if query:
        variants.append((urlunsplit((scheme, host, path, "", "")), "without the query string"))
    variants.append((f"{url}#{RETRY_FRAGMENT}", f"with the #{RETRY_FRAGMENT} fragment"))
    return variants


def _only(token: str) -> Callable[[], list[str]]:
    """A token source that gives this one token: each is tried on its own."""
    return lambda: [token]


def diagnose(request: HttpRequest, configured_url: str, tokens: dict[str, str]) -> SignatureDiagnosis:
    signature = request.header("x-twilio-signature")
    if not signature:
        return SignatureDiagnosis(
            False, ["No X-Twilio-Signature header: the request did not come from Twilio, or a proxy dropped it."]
        )
    json_body = request.media_type == "application/json"
    params = FormParams.parse(request.body) if not json_body else None
    settings_header = request.header("x-twilio-webhooks-signature-settings")
    for token_name, token in tokens.items():
        checker = SignatureChecker(_only(token))
        for variant, difference in url_variants(configured_url, request.stage):
            ok = (
                checker.is_valid_json(variant, request.body, signature, settings_header)
                if params is None
                else checker.is_valid_form(variant, params, signature, settings_header)
            )
            if ok:
                return _found(configured_url, variant, difference, token_name)
    return SignatureDiagnosis(
        False,
        [
            f"Signature does not match {configured_url} or any usual variant, with {', '.join(tokens)}.",
            "Likely causes: the token is not the one Twilio signed with (a subaccount signs with its own token;",
            "after a rotation only the primary token signs), or something re-encoded the body on the way.",
        ],
    )


def _found(configured: str, variant: str, difference: str, token_name: str) -> SignatureDiagnosis:
    if variant == configured and token_name == "TWILIO_AUTH_TOKEN":
        return SignatureDiagnosis(True, [f"Valid: signed for {configured} with TWILIO_AUTH_TOKEN."])
    lines = [f"Twilio signed {variant} ({difference}), using {token_name}."]
    if variant != configured:
        lines.append(f"push-janitor checks {configured}: make PUBLIC_BASE_URL (or the URL in Twilio's Console) agree.")
    if token_name != "TWILIO_AUTH_TOKEN":
        lines.append(f"The signature needs {token_name}: finish the token rotation or fix TWILIO_AUTH_TOKEN.")
    return SignatureDiagnosis(variant == configured, lines)
