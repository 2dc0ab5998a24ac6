"""Care-plan URLs; included into patients/urls.py (namespace "patients")."""

from django.urls import path

from patients.late_effects import views

urlpatterns = [
    path("patients/<int:patient_id>/care-plan/", views.care_plan, name="care_plan"),
    path("patients/<int:patient_id>/care-plan/recompute/", views.plan_recompute, name="care_plan_recompute"),
    path("patients/<int:patient_id>/care-plan/release/", views.plan_release, name="care_plan_release"),
    path(
        "patients/<int:patient_id>/care-plan/items/<int:item_id>/done/",
        views.item_complete,
        name="care_plan_item_complete",
    ),
    path(
        "patients/<int:patient_id>/care-plan/items/<int:item_id>/close/", views.item_close, name="care_plan_item_close"
    ),
    path("family/children/<int:patient_id>/follow-ups/", views.family_follow_ups, name="family_follow_ups"),
]
