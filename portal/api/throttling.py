"""Request-rate limits per signed-in user and per address (anonymous), read from settings each time
(API_RATE_USER / API_RATE_ANON, e.g. "600/minute") so deployments and tests can change them."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PortalUserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.API_RATE_USER


class PortalAnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_RATE_ANON
