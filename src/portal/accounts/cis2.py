"""NHS CIS2 sign-in: OpenID Connect authorisation code flow with PKCE (ADR 030, ADR 077).

The first step sends the browser to CIS2 with a fresh state, nonce and PKCE verifier kept
in the session, asking for the authentication assurance the portal needs (`acr_values`);
the callback checks the state, exchanges the code (Authlib), verifies the ID token's
signature against the provider's published keys and its issuer, audience, expiry, nonce
and authentication context (`acr`, one of CIS2_ACCEPTED_ACR) with joserfc, Authlib's JOSE
library, then finds the portal person. CIS2 proves who someone is, never what they may do:
nobody is created here, and what a person may do still comes only from their memberships.
The discovery document is cached for CIS2_DISCOVERY_CACHE_SECONDS (the shared cache), so
a sign-in costs CIS2 no extra round trip.
"""

import hmac
import logging
import time
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from portal.accounts.models import User
from portal.audit.services import record

logger = logging.getLogger(__name__)

FLOW = "portal_cis2_flow"
# The person must come back from CIS2 within this many seconds of leaving.
FLOW_VALID_FOR_SECONDS = 10 * 60
# Asymmetric signatures only: a shared-secret (HS*) or unsigned token is never accepted.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

# What the person is told (accounts/cis2_problem.html); the audit entry says why.
UNKNOWN = "unknown"
ACCESS_ENDED = "ended"
NOT_ACTIVATED = "not-activated"
FAILED = "failed"
UNAVAILABLE = "unavailable"
WEAK = "assurance"  # signed in with an authenticator below the level the portal needs


class CIS2Unavailable(Exception):
    """CIS2 could not be reached or answered something unusable."""


@dataclass(frozen=True)
class CallbackResult:
    user: User | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None and self.problem is None


class CIS2Provider:
    """The AuthProvider for NHS CIS2. Its first step is a redirect, its second the callback;
    CIS2 authenticators are already multi-factor, so no portal code is asked for."""

    name = "cis2"
    needs_second_factor = False

    def authorisation_url(self, request, *, next_url: str = "") -> str:
        metadata = _discovery()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url, _ = _client().create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            acr_values=settings.CIS2_ACR_VALUES,
        )
        request.session[FLOW] = {
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "at": time.time(),
            "next": next_url,
        }
        return url

    def check_callback(self, request) -> tuple[CallbackResult, str]:
        """The person, or the problem to show; and where to go next."""
        flow = request.session.pop(FLOW, None)
        if not flow or time.time() - flow["at"] > FLOW_VALID_FOR_SECONDS:
            return _refused(FAILED, "no sign-in in progress"), ""
        if request.GET.get("error"):
            # Cancelled at CIS2, or CIS2 refused: its error code says which.
            return _refused(FAILED, "provider: " + request.GET["error"][:100]), ""
        if not hmac.compare_digest(request.GET.get("state", ""), flow["state"]):
            return _refused(FAILED, "state does not match"), ""
        try:
            claims = _verified_claims(request.GET.get("code", ""), flow)
        except CIS2Unavailable as problem:
            logger.warning("CIS2 sign-in failed: %s", problem)
            return _refused(UNAVAILABLE, str(problem)), ""
        except JoseError as problem:
            return _refused(FAILED, f"ID token: {problem.error} {problem.description or ''}"), ""
        if claims.get("acr") not in settings.CIS2_ACCEPTED_ACR:
            acr = str(claims.get("acr") or "none")[:60]
            return _refused(WEAK, f"authentication assurance: acr {acr} not accepted"), ""
        return _match(claims), flow["next"]


def _client() -> OAuth2Session:
    return OAuth2Session(
        client_id=settings.CIS2_CLIENT_ID,
        client_secret=settings.CIS2_CLIENT_SECRET,
        scope=settings.CIS2_SCOPES,
        redirect_uri=settings.CIS2_REDIRECT_URI,
        code_challenge_method="S256",
    )


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.CIS2_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as problem:
        raise CIS2Unavailable(f"{url}: {problem}") from problem


def _discovery() -> dict:
    """The provider's discovery document: from the shared cache, or fetched and kept for
    CIS2_DISCOVERY_CACHE_SECONDS. Only a usable document is kept."""
    key = f"cis2:discovery:{settings.CIS2_DISCOVERY_URL}"
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    metadata = _get_json(settings.CIS2_DISCOVERY_URL)
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(metadata, dict) or not all(metadata.get(key) for key in needed):
        raise CIS2Unavailable("the discovery document lacks an endpoint")
    cache.set(key, metadata, settings.CIS2_DISCOVERY_CACHE_SECONDS)
    return metadata


def _verified_claims(code: str, flow: dict) -> dict:
    metadata = _discovery()
    try:
        token = _client().fetch_token(
            metadata["token_endpoint"],
            code=code,
            code_verifier=flow["verifier"],
            timeout=settings.CIS2_TIMEOUT_SECONDS,
        )
    except (OAuthError, requests.RequestException, ValueError) as problem:
        raise CIS2Unavailable(f"token endpoint: {problem}") from problem
    if not token.get("id_token"):
        raise CIS2Unavailable("the token response has no ID token")
    keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"]))
    decoded = jwt.decode(token["id_token"], keys, algorithms=SIGNING_ALGORITHMS)
    jwt.JWTClaimsRegistry(
        leeway=settings.CIS2_LEEWAY_SECONDS,
        iss={"essential": True, "value": settings.CIS2_ISSUER},
        aud={"essential": True, "value": settings.CIS2_CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": flow["nonce"]},
    ).validate(decoded.claims)
    audience = decoded.claims["aud"]
    if isinstance(audience, list) and len(audience) > 1:
        # Issued for several clients: it must name us as the one it was given to.
        jwt.JWTClaimsRegistry(azp={"essential": True, "value": settings.CIS2_CLIENT_ID}).validate(
            decoded.claims
        )
    return decoded.claims


def _refused(problem: str, reason: str, *, email: str = "") -> CallbackResult:
    record(None, "accounts.cis2_refused", target=email, details={"reason": reason})
    return CallbackResult(problem=problem)


@transaction.atomic
def _match(claims: dict) -> CallbackResult:
    """The portal person this CIS2 identity belongs to: the one already linked to its
    subject, else the one with its email address, who is then linked to it."""
    subject = str(claims["sub"])
    email = str(claims.get("email") or "").strip().lower()
    user = User.objects.select_for_update().filter(cis2_subject=subject).first()
    if user is None and email:
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is not None and user.cis2_subject:
            # That address is linked to another CIS2 identity: never take it over.
            return _refused(UNKNOWN, "email linked to another CIS2 identity", email=email)
    if user is None:
        return _refused(UNKNOWN, "not a portal user", email=email)
    if not user.is_active:
        if user.activated_at is None:
            return _refused(NOT_ACTIVATED, "account not set up", email=user.email)
        return _refused(ACCESS_ENDED, "access ended", email=user.email)
    if user.cis2_subject is None:
        user.cis2_subject = subject
        user.save(update_fields=["cis2_subject"])
        record(user, "accounts.cis2_linked", target=user.email)
    return CallbackResult(user=user)
