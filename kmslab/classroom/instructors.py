"""Who is an instructor, and the view decorator that enforces it.

An instructor is an active user who is staff or in the "instructors" group (createinstructor
puts new accounts there). Anonymous visitors of instructor pages go to the login page (an htmx
poll gets HX-Redirect, so the dashboard never swaps a login form into itself); a logged-in
learner gets 403. Objects are then always fetched through `owner=request.user`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

INSTRUCTORS_GROUP = "instructors"


def is_instructor(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_staff", False):
        return True
    return user.groups.filter(name=INSTRUCTORS_GROUP).exists()  # type: ignore[union-attr]


def instructors_group() -> Group:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    return group


View = Callable[..., HttpResponse]


def instructor_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):  # a poll after the session expired: leave the page
                response = HttpResponse(status=204)
                response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
                return response
            return redirect_to_login(request.get_full_path())
        if not is_instructor(request.user):
            raise PermissionDenied("only instructors can manage classes")
        return view(request, *args, **kwargs)

    return wrapper
