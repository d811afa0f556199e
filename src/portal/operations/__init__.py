"""Running the service: the web and worker processes, their heartbeat, scheduled jobs,
health and metrics (docs/deploy.md)."""
