from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.forms import SignInForm
from portal.audit.services import record
from portal.core.public import public


@public
@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        record(form.user, "accounts.sign_in")
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, True):
            next_url = ""
        return redirect(next_url or "core:dashboard")
    return render(request, "accounts/sign_in.html", {"form": form})


@require_POST
def sign_out(request):
    user = request.user
    logout(request)
    record(user, "accounts.sign_out")
    return redirect("core:home")
