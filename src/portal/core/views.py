from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.core.health import queue_depths, run_checks
from portal.core.public import public


@public
@require_GET
def home(request):
    return render(request, "core/home.html")


@public
@require_GET
def healthz(request):
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({**results, "queue_depth": queue_depths()}, status=200 if healthy else 503)


@require_GET
def dashboard(request):
    return render(request, "core/dashboard.html")
