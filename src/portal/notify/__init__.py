"""Email for the portal. Send with `portal.notify.services.send(template_name, to,
personalisation)`; callers import it as `from portal.notify import services as notify`.

Nothing is imported here: Django imports this package before the app registry is ready,
so it cannot reach the models that sending needs."""
