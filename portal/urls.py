from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.views import auth, health, home

portal_patterns = [
    path("", home.home, name="home"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth.sign_out, name="logout"),
    path("accounts/mfa/setup/", auth.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/verify/", auth.mfa_verify, name="mfa_verify"),
    path("notifications/", home.notifications, name="notifications"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("portal.api.urls")),
    path("", include("patients.urls")),
    path("", include("education.urls")),
]
