"""In-portal notifications: the bell list a user sees after signing in. No health details in `title`."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.fields import BoundedTextField


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = BoundedTextField(max_length=2000, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the notice is about ("overdue:<item id>", "question:<id>", "break_glass:<grant id>"): with the
    # constraint below, a job that runs twice (or two at once) tells each user once.
    dedup_key = models.CharField(max_length=80, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "patient", "read_at"], name="notification_user_patient_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedup_key"], condition=~models.Q(dedup_key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.title
