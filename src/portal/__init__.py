"""DID Portal: the Django site. One app per bounded context; see README.md."""
