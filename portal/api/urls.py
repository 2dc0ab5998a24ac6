"""API root: each app contributes its routes in its own api module."""

from django.urls import include, path

urlpatterns = [
    path("", include("patients.api.urls")),
]
