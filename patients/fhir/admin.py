"""Admin: the history of passports read in, read-only, with what was tolerated and left for review.

An import is evidence of what another centre sent and how we read it; it is changed only by a new
import, never by hand. Views are audited like any patient data in the admin (AuditedModelAdmin).
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from patients.fhir.models import PassportImport
from portal.admin_base import AuditedModelAdmin, ReadOnlyAdminMixin


def _issues(issues: list[dict]):
    if not issues:
        return "—"
    rows = format_html_join(
        "",
        "<li>entry {} · <code>{}</code>: {}</li>",
        ((i.get("entry", "—"), i.get("path", ""), i.get("message", "")) for i in issues),
    )
    return format_html("<ul>{}</ul>", rows)


@admin.register(PassportImport)
class PassportImportAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("id", "patient_mrn", "centre", "bundle_type", "imported_at", "imported_by", "issue_counts",
                    "exposures_incomplete")  # fmt: skip
    list_filter = ("review_resolved", "bundle_type")
    list_select_related = ("patient", "imported_by")
    search_fields = ("patient__mrn", "centre")
    date_hierarchy = "imported_at"
    fields = ("patient", "centre", "bundle_type", "source_patient_id", "checksum", "imported_at", "imported_by",
              "counts", "warnings_list", "review_list", "review_resolved", "their_recommendations")  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("MRN"), ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn

    @admin.display(description=_("tolerated / for review"))
    def issue_counts(self, obj):
        return f"{len(obj.warnings)} / {len(obj.review)}"

    @admin.display(description=_("exposures incomplete"), boolean=True)
    def exposures_incomplete(self, obj):
        return obj.exposures_incomplete

    @admin.display(description=_("tolerated deviations"))
    def warnings_list(self, obj):
        return _issues(obj.warnings)

    @admin.display(description=_("left for review"))
    def review_list(self, obj):
        return _issues(obj.review)
