"""User accounts: the user model, sign-in helpers and two-step verification.

The bottom of the site: this package imports no patient, care-access or site-shell module. What
happens to an account is announced through `events.account_event`; the audit trail, which sits
above, records it (portal/care/account_events.py).
"""
