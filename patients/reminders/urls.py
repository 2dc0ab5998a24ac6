"""Reminder URLs; included into patients/urls.py (namespace "patients")."""

from django.urls import path

from patients.reminders import views

urlpatterns = [
    path("account/reminders/", views.reminder_settings, name="reminder_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
