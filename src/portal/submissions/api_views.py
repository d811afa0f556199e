"""The page where a person makes and revokes their own API tokens."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import permissions
from portal.submissions import tokens
from portal.submissions.forms import ApiTokenForm
from portal.submissions.models import ApiToken


@permissions.require("portal.submit")
@require_http_methods(["GET", "POST"])
def tokens_page(request):
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = tokens.create(request.user, form.cleaned_data["name"])
        form = ApiTokenForm()
    return render(
        request,
        "submissions/api_tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@permissions.require("portal.submit")
@require_POST
def revoke(request, token_id):
    get_object_or_404(ApiToken, pk=token_id, user=request.user)
    tokens.revoke(request.user, token_id)
    return redirect("submissions:api-tokens")
