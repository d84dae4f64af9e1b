"""The issuer, for a profile with `issuer` instead of `token_url` (docs/issuers.md): discovered afresh, once per
run (the metadata cache neither read nor written), so the token request `doctor` makes goes to the endpoint the
issuer names now. One line each: the document found and that it names this issuer, with the token endpoint;
whether the token endpoint lists our client_auth (oauth/issuer_check.py's words); what was dropped from the
metadata; and, as information, the revocation endpoint and whether `revoke` is on. No line without an issuer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError, TokenEndpointUnavailable

from .checks import FAIL, OK, Check, fail, info, ok

if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.settings.provenance import Origins

    from .context import Doctor


def discovered(settings: Settings, runtime: Runtime) -> Settings:
    """`settings` as the token request uses them: unchanged without an issuer; with one, carrying the metadata
    discovered now through the runtime's transport (token_url the endpoint it names). Raises as discover() does
    (ConfigError, TokenEndpointUnavailable, TokenEndpointRejected)."""
    if not settings.issuer:
        return settings
    from rightbrain_helper.oauth.discovery import discover  # noqa: PLC0415
    from rightbrain_helper.oauth.issuer import with_metadata  # noqa: PLC0415

    clock = runtime.clock
    transport = runtime.service.transport_factory(settings)
    metadata = discover(settings, transport, clock, runtime.log, clock.now() + settings.deadline)
    return with_metadata(settings, metadata)


def issuer_checks(doctor: Doctor) -> list[Check]:
    """Discovery ✓ (the document, naming this issuer) or ✗ with the fix; our client_auth among the methods the
    issuer lists; notes on dropped metadata and the revocation endpoint as information."""
    try:
        settings, origins = doctor.resolved()
    except HelperError:
        return []  # the profile check said why
    if not settings.issuer:
        return []
    try:
        resolved = doctor.token_settings()
    except HelperError as exc:
        from rightbrain_helper.oauth.discovery import ADVICE  # noqa: PLC0415  (oauth loads inside functions)

        problem = str(exc).removesuffix(f"; {ADVICE}")  # the fix below says more
        return [fail(f"issuer discovery: {problem}; fix: {_discovery_fix(exc, origins)}")]
    from rightbrain_helper.oauth.issuer import endpoint_for  # noqa: PLC0415
    from rightbrain_helper.oauth.issuer_check import method_check, revocation_line  # noqa: PLC0415

    metadata = resolved.metadata
    if metadata is None:  # not reached: discovered() sets it for an issuer profile
        return []
    passed, method_line = method_check(settings, metadata)
    return [
        ok(
            f"issuer {settings.issuer}: {metadata.source} names this issuer and token endpoint "
            f"{endpoint_for(resolved, 'token')}"
        ),
        Check(OK if passed else FAIL, f"issuer: {method_line}"),
        *(info(f"issuer: metadata ignored: {note}") for note in metadata.notes),
        info(f"issuer: {revocation_line(resolved)}{_revoke_state(resolved)}"),
    ]


def _discovery_fix(error: HelperError, origins: Origins) -> str:
    """The fix for a failed discovery: reach the issuer (network, proxy, CA), or correct `issuer`."""
    origin = origins.recorded.get("issuer", "")
    named = f" (set by {origin})" if origin else ""
    if isinstance(error, TokenEndpointUnavailable):
        return (
            "check that the issuer is up and reachable from here (the network, HTTPS_PROXY / NO_PROXY; ca_bundle "
            "for a private CA), or set token_url instead of issuer"
        )
    return f"set issuer{named} to the issuer's identifier exactly as its metadata names it, or set token_url instead"


def _revoke_state(resolved: Settings) -> str:
    """Whether tokens the helper drops are revoked at the endpoint (the `revoke` setting); "" without one."""
    from rightbrain_helper.oauth.issuer import endpoint_for  # noqa: PLC0415

    if not endpoint_for(resolved, "revocation"):
        return ""
    if resolved.revoke:
        return "; revoke = true: tokens the helper drops (clear, git erase, docker and cargo logout) are revoked there"
    return "; revoke = false: tokens the helper drops are not revoked"
