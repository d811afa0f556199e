"""The single place that marks a view as open to anonymous users.

Everything else sits behind LoginRequiredMiddleware. `tests/core/test_routes.py` walks
every URL pattern and fails when a route not marked here lets an anonymous user in.
"""

from django.contrib.auth.decorators import login_not_required


def public(view):
    """Mark a view as public: no sign-in needed (home, statistics, sign-in, activation, health)."""
    view = login_not_required(view)
    view.is_public = True
    return view
