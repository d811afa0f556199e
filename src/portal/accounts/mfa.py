"""Time-based one-time passwords (RFC 6238, 6 digits, 30 s) for every portal user."""

import hmac

import pyotp
import segno
from django.utils import timezone

ISSUER = "Submit Diagnostic Imaging Data"
# Accept the code for the previous and next 30-second step too, for clock drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """An inline SVG (no script, no style attribute), so it renders under the strict CSP."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, title="QR code to scan with your authenticator app", svgclass="portal-qr-code"
    )


def grouped(secret: str) -> str:
    """The secret in groups of 4, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str) -> str:
    return "".join((code or "").split())


def matching_step(secret: str, code: str, *, at=None) -> int | None:
    """The 30-second step whose code equals `code`, or None. Constant-time comparison."""
    code = clean_code(code)
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = at or timezone.now()
    current = totp.timecode(moment)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found
