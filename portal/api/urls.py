"""API root: /api/v1/ (namespace "v1"), and the deprecated /api/patients/… aliases of v1.0 clients.

Each app contributes its routes in its own api module; the aliases are the same views marked
deprecated (Deprecation / Sunset / Link headers, `deprecated` in the schema, old error and page
shapes) until the sunset date in portal/api/base.py.
"""

from django.urls import include, path

from education.api.urls import education_patterns
from patients.api.urls import patient_patterns

v1_patterns = [*patient_patterns(), *education_patterns()]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"))),
    path("", include(patient_patterns(legacy=True))),
]
