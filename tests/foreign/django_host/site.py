"""The site's URLs (django-scim2's under /scim/v2/) and its bearer-token check."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

urlpatterns = [path("scim/v2/", include("django_scim.urls", namespace="scim"))]


class BearerTokenMiddleware:
    """Mark the request authenticated when it carries the site's bearer token; django-scim2 answers 401 otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.expected = f"Bearer {settings.HOST_BEARER_TOKEN}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("Authorization", "")
        ok = hmac.compare_digest(given.encode(), self.expected.encode())
        request.user = SimpleNamespace(is_authenticated=True) if ok else AnonymousUser()  # type: ignore[assignment]
        return self.get_response(request)
