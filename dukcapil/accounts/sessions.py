"""Session limits: 30 idle minutes (cookie age, refreshed each request) and 12 hours at most.

Also the session store (SESSION_ENGINE): Django's database sessions, saved in one statement.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections, router
from django.shortcuts import redirect
from django.utils import timezone

LOGIN_AT_KEY = "_login_at"


class SessionStore(db.SessionStore):
    """Database sessions whose save on every request (the idle timeout) is a single UPDATE.

    Django wraps every save in `transaction.atomic()`: for the UPDATE of an existing session, run
    in autocommit after the view, that is BEGIN, UPDATE, COMMIT, three round trips of every
    request for one statement that is atomic by itself. Creating a session, and any save inside a
    transaction (a view under `atomic`, the test suite), still goes through Django's own code.
    A session deleted in between (logout elsewhere) still ends in UpdateError, as in Django.
    """

    def save(self, must_create: bool = False) -> None:
        using = router.db_for_write(self.model)
        if self.session_key is None or must_create or connections[using].in_atomic_block:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        try:
            obj.save(force_update=True, using=using)
        except DatabaseError:
            raise UpdateError from None


class AbsoluteSessionLimitMiddleware:
    """Log out a session 12 hours after login, however active it is (a shared office PC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_AT_KEY)
            if started is None:
                request.session[LOGIN_AT_KEY] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


def mark_login_time(sender, request, user, **kwargs):
    request.session[LOGIN_AT_KEY] = int(time.time())


def sessions_end_for_user(*, user_id: int) -> int:
    """Delete every stored session of one user (deactivation, password reset by the admin).

    Walks the live sessions (their data is encoded, so the user id cannot be filtered in SQL); an
    office has at most a few hundred live sessions, expired ones are not read.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()
            ended += 1
    return ended


def end_sessions_of_deactivated(sender, instance, update_fields=None, **kwargs):
    """A deactivated account is logged out everywhere at once."""
    if not instance.is_active and instance.pk:
        sessions_end_for_user(user_id=instance.pk)
