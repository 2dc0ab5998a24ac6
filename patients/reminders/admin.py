"""Admin for the reminder outbox: dead reminders are listed with a retry action."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from patients.reminders import services
from patients.reminders.models import CalendarFeedToken, CareTeamDigest, DeliveryLog, Reminder, ReminderPreference
from portal.admin_base import AuditedModelAdmin


@admin.register(Reminder)
class ReminderAdmin(AuditedModelAdmin):
    patient_path = "item__patient"
    list_display = ("id", "item_id", "recipient", "channel", "kind", "due_date", "status", "attempts", "last_error")
    list_filter = ("status", "channel")
    list_select_related = ("recipient", "item__patient")
    raw_id_fields = ("item", "recipient")
    readonly_fields = ("attempts", "last_error", "sent_at", "created_at")
    actions = ["retry"]

    @admin.action(description=_("Retry the selected dead or failed reminders"))
    def retry(self, request, queryset):
        count = services.retry_dead(queryset.values_list("id", flat=True))
        self.message_user(request, _("%(count)d reminder(s) queued again.") % {"count": count})


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "portal", "sms", "language")
    raw_id_fields = ("user",)


@admin.register(DeliveryLog)
class DeliveryLogAdmin(admin.ModelAdmin):
    list_display = ("reminder_id", "recipient", "channel", "kind", "sent_at")
    list_filter = ("channel",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CareTeamDigest)
class CareTeamDigestAdmin(admin.ModelAdmin):
    list_display = ("clinician", "week_start", "overdue_count", "sent_at")


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("token_hash",)  # only a hash is stored; the address itself was shown once to the family
