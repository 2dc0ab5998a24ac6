from django.urls import path

from patients.late_effects.urls import urlpatterns as late_effects_urls
from patients.reminders.urls import urlpatterns as reminders_urls
from patients.views import clinical, family, records

app_name = "patients"

urlpatterns = [
    path("patients/", records.patient_list, name="list"),
    path("patients/new/", records.patient_create, name="create"),
    path("patients/emergency-access/", records.break_glass, name="break_glass"),
    path("patients/<int:patient_id>/", records.patient_detail, name="detail"),
    path("patients/<int:patient_id>/edit/", records.patient_edit, name="edit"),
    # Clinical record (clinicians).
    path("patients/<int:patient_id>/diagnosis/", clinical.diagnosis_edit, name="diagnosis_edit"),
    path("patients/<int:patient_id>/plan/", clinical.plan_edit, name="plan_edit"),
    path("patients/<int:patient_id>/phases/new/", clinical.phase_edit, name="phase_create"),
    path("patients/<int:patient_id>/phases/<int:phase_id>/", clinical.phase_edit, name="phase_edit"),
    path("patients/<int:patient_id>/phases/<int:phase_id>/delete/", clinical.phase_delete, name="phase_delete"),
    path("patients/<int:patient_id>/timeline/", clinical.timeline, name="timeline"),
    path("patients/<int:patient_id>/timeline/release/", clinical.entry_release, name="entry_release"),
    path("patients/<int:patient_id>/timeline/new/<slug:kind>/", clinical.entry_create, name="entry_create"),
    path("patients/<int:patient_id>/timeline/<int:entry_id>/", clinical.entry_edit, name="entry_edit"),
    path("patients/<int:patient_id>/timeline/<int:entry_id>/delete/", clinical.entry_delete, name="entry_delete"),
    path("patients/<int:patient_id>/risk/<int:assessment_id>/decision/", clinical.risk_decide, name="risk_decide"),
    path("patients/<int:patient_id>/manual-summary/", clinical.manual_summary_edit, name="manual_summary"),
    path("patients/<int:patient_id>/treatment-summary/", clinical.treatment_summary, name="treatment_summary"),
    path(
        "patients/<int:patient_id>/treatment-summary.pdf", clinical.treatment_summary_pdf, name="treatment_summary_pdf"
    ),
    path("family/", family.family_home, name="family_home"),
    path("family/children/<int:patient_id>/", family.family_child, name="family_child"),
    path("family/children/<int:patient_id>/timeline/", family.family_timeline, name="family_timeline"),
    path("family/children/<int:patient_id>/summary.pdf", family.family_summary_pdf, name="family_summary_pdf"),
    path(
        "family/children/<int:patient_id>/calendar/<slug:kind>/<int:item_id>.ics",
        family.family_calendar_item,
        name="family_calendar_item",
    ),
    path("family/children/<int:patient_id>/access-log/", family.family_access_log, name="family_access_log"),
    *late_effects_urls,
    *reminders_urls,
]
