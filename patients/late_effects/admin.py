"""Admin for rule sets (choose the active one) and follow-up items (audited)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from patients.late_effects import services
from patients.late_effects.models import FollowUpItem, RuleSet
from portal.admin_base import AuditedModelAdmin


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "active", "loaded_at")
    list_filter = ("active",)
    readonly_fields = ("name", "version", "source", "content", "active", "loaded_at", "loaded_by", "checksum")
    exclude = ("raw_text",)
    actions = ["make_active"]

    def has_add_permission(self, request):
        return False  # load files with `manage.py load_ruleset`, which validates them

    @admin.action(description=_("Make the selected rule set the active one (recomputes every plan)"))
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one rule set."), messages.ERROR)
            return
        ruleset = services.activate_ruleset(queryset.get())
        self.message_user(request, _("%(ruleset)s is now active.") % {"ruleset": ruleset})


@admin.register(FollowUpItem)
class FollowUpItemAdmin(AuditedModelAdmin):
    list_display = ("id", "patient_id", "slot", "due_on", "status", "visibility")
    list_filter = ("status", "visibility", "screening_key")
    list_select_related = ("patient",)
    raw_id_fields = ("patient", "plan", "previous", "closed_by")
    readonly_fields = ("ruleset", "rule_ids", "sources", "reasons", "schedule")
