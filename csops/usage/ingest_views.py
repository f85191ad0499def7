"""The Segment-compatible HTTP tracking API: ``POST /v1/track|identify|group|page|screen|alias|batch``.

Thin: the work is csops.usage.collector.receive. No session, no CSRF (the write key authenticates),
no login: SDKs call these from servers and devices.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from csops.usage.collector import limit_for, receive
from csops.usage.ingest import IngestError


@csrf_exempt
@login_not_required
def collect(request: HttpRequest, call: str) -> JsonResponse:
    try:
        if request.method != "POST":
            raise IngestError(405, "method not allowed", [{"field": "method", "message": "use POST"}],
                              headers={"Allow": "POST"})
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit_for(call):
            raise IngestError(413, "body too large", [
                {"field": "body", "message": f"{length} bytes > limit of {limit_for(call)} bytes"}
            ])
        receive(call, body=request.body, content_encoding=request.headers.get("Content-Encoding"),
                authorization=request.headers.get("Authorization"))
    except IngestError as exc:
        return JsonResponse(exc.as_json(), status=exc.status, headers=exc.headers)
    return JsonResponse({"success": True})
