"""Email for the portal. Use `portal.notify.send(template_name, to, personalisation)`."""


def send(template_name: str, to: str, personalisation: dict):
    from portal.notify.services import send as _send

    return _send(template_name, to, personalisation)
