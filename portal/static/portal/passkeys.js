// After a passkey is added on the Security page, reload it so the list shows the new one.
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
