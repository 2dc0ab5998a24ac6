"""Reminders API (read only): /api/v1/patients/{patient_id}/reminders/.

The child is resolved through PatientScopedViewSet (access policy, 404 + audit for others, reads
audited). Staff see every reminder of the child's follow-up items; a family member only the
reminders sent to them, about items the family may see (released ones).
"""

from __future__ import annotations

from rest_framework import mixins, serializers

from patients.late_effects.models import FollowUpItem
from patients.reminders.models import Reminder
from portal.accounts.models import Role
from portal.api.scoping import PatientScopedViewSet
from portal.care.access import visible_entries


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = [
            "id",
            "item",
            "recipient",
            "channel",
            "kind",
            "due_date",
            "status",
            "attempts",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientScopedViewSet):
    queryset = Reminder.objects.all()
    serializer_class = ReminderSerializer
    lookup_url_kwarg = "reminder_id"
    filterset_fields = {"status": ["exact"], "channel": ["exact"], "due_date": ["gte", "lte"]}
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        items = visible_entries(user, self.patient, FollowUpItem.objects.all())
        reminders = Reminder.objects.filter(item__in=items.values("pk"))
        if user.role == Role.FAMILY:
            reminders = reminders.filter(recipient=user)
        return reminders
