"""Audit rows record the real client address; a forged X-Forwarded-For is not believed."""

from django.test import RequestFactory, override_settings

from portal.care.audit import client_ip

rf = RequestFactory()


def test_without_trusted_proxy_forwarded_header_is_ignored():
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_trusted_proxy_takes_the_hop_it_appended():
    # The client forged "6.6.6.6"; our proxy appended the real address 203.0.113.9.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_missing_hops_fall_back_to_socket_address():
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"
