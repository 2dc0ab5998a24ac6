"""Cursor pagination for /api/v1/ lists: stable under inserts, one query a page (no COUNT).

The order is the view's `ordering` (or `?ordering=` among its `ordering_fields`); `id` breaks
ties. The deprecated /api/patients/… aliases keep page-number pagination (with `count`).
"""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class LegacyPageNumberPagination(PageNumberPagination):
    page_size = 50
