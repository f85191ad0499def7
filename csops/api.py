"""The REST API root: one NinjaAPI, token or session auth, one error shape.

Errors are always ``{"error": "<short message>", "detail": [...]}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from csops.users.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = ApiToken.authenticate(key)
        if user is not None:
            request.user = user
        return user


class ApiError(HttpError):
    """An API error with a machine-readable detail list."""

    def __init__(self, status_code: int, message: str, detail: list[Any] | None = None) -> None:
        super().__init__(status_code, message)
        self.detail = detail or []


api = NinjaAPI(
    title="csops API",
    version="1",
    auth=[TokenAuth(), TokenHeaderAuth(), SessionAuth()],
    docs_url="/docs",
    urls_namespace="api",
)


def error_response(request: HttpRequest, status: int, message: str, detail: list[Any] | None = None) -> HttpResponse:
    return api.create_response(request, {"error": message, "detail": detail or []}, status=status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [
        {"loc": [str(part) for part in err.get("loc", [])], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors
    ]
    return error_response(request, 422, "invalid input", detail)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "authentication required")


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc.status_code, str(exc), exc.detail)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, str(exc))


def _register_routers() -> None:
    from csops.customers.api import router as customers_router
    from csops.customers.api_imports import router as imports_router
    from csops.feedback.api import router as feedback_router
    from csops.health.api import router as health_router
    from csops.insights.api import router as insights_router
    from csops.journey.api import router as journey_router
    from csops.playbooks.api import router as playbooks_router

    api.add_router("/", customers_router)
    api.add_router("/", imports_router)
    api.add_router("/", feedback_router)
    api.add_router("/", health_router)
    api.add_router("/", journey_router)
    api.add_router("/", playbooks_router)
    api.add_router("/", insights_router)


_register_routers()
