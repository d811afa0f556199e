from django.db import models
from django.utils import timezone


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Waiting to retry"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """One email: what was asked for, how it left, and what happened at each attempt.

    With EMAIL_DELIVERY=outbox this row *is* the delivered email (read at /outbox outside
    production). With smtp or notify the body and personalisation are cleared once sent,
    so single-use links do not stay in the database.
    """

    template_name = models.CharField(max_length=64)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    personalisation = models.JSONField(default=dict, blank=True)
    delivery = models.CharField(max_length=16)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    content_cleared = models.BooleanField(default=False)
    provider_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.template_name} to {self.to} ({self.status})"
