"""Benchmark settings: the test profile plus a bare page to measure every row against (benchmarks/urls.py).

The bare view lives here, not in the product: `make bench` runs with DJANGO_SETTINGS_MODULE set to
this module, the test suite and deployments never see the route.
"""

from portal.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
