from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.views import account, auth, errors, health, home, passkeys, unlock

# django-otp-webauthn's ceremony endpoints (its own names, which its template tags reverse), with
# our account events on the two "complete" steps (portal/views/passkeys.py).
passkey_patterns = [
    path(
        "registration/begin/",
        webauthn.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path("registration/complete/", passkeys.CompleteRegistration.as_view(), name="credential-registration-complete"),
    path(
        "authentication/begin/",
        webauthn.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkeys.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]

portal_patterns = [
    path("", home.home, name="home"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth.sign_out, name="logout"),
    path("accounts/password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/password/change/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/unlock/", unlock.unlock_request, name="unlock"),
    path("accounts/unlock/sent/", unlock.unlock_sent, name="unlock_sent"),
    path("accounts/unlock/<str:token>/", unlock.unlock_confirm, name="unlock_confirm"),
    path("accounts/mfa/setup/", auth.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/verify/", auth.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/recovery-codes/", account.regenerate_recovery_codes, name="mfa_recovery_codes"),
    path("accounts/mfa/disable/", account.disable_mfa, name="mfa_disable"),
    path("accounts/settings/", account.account_settings, name="account"),
    path("accounts/security/", account.security, name="security"),
    path("accounts/passkeys/<int:passkey_id>/remove/", passkeys.remove_passkey, name="passkey_remove"),
    path("accounts/api-tokens/", account.create_api_token, name="api_token_create"),
    path("accounts/api-tokens/<int:token_id>/revoke/", account.revoke_api_token, name="api_token_revoke"),
    path("notifications/", home.notifications, name="notifications"),
    path("notifications/<int:notification_id>/", home.notification_open, name="notification_open"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("accounts/passkeys/", include((passkey_patterns, "otp_webauthn"))),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", errors.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin.site.urls: the admin signs in through our page (email, lockout, two-step).
    path("admin/login/", auth.admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Signed-in users only (SPECTACULAR_SETTINGS SERVE_PERMISSIONS); the docs page sends a browser to sign in.
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/", include("portal.api.urls")),
    path("", include("patients.fhir.urls")),
    path("", include("patients.urls")),
    path("", include("education.urls")),
]

handler500 = "portal.views.errors.server_error"
