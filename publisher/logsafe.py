"""No credential in any log: a redacting :class:`logging.Filter`, installed in every process.

At debug level oauthlib, requests-oauthlib, urllib3 and tweepy log the OAuth ``client_key``
and ``resource_owner_key``, the ``Authorization: OAuth …`` header and the signature base
string: the X API key and access token would reach every worker log. :class:`RedactingFilter`
rewrites a record so that ``record.getMessage()`` is safe: the message is formatted with its
args, redacted, stored back in ``record.msg``, and ``record.args`` emptied. It replaces with
:data:`REDACTED`

1. the exact values of the configured secrets (the four X credentials, ``ALERT_WEBHOOK_SECRET``,
   the whole ``ALERT_WEBHOOK_URL`` and the passwords in ``DATABASE_URL``, ``BROKER_URL`` and
   ``ALERT_WEBHOOK_URL``), also percent-encoded once and twice as they appear in
   OAuth signature base strings; values shorter than :data:`MIN_SECRET_LENGTH` are ignored
   (redacting every "a" would make the logs unreadable, and no real credential is that short);
2. by pattern, secret-shaped values that were never configured: ``Authorization`` (and
   ``Proxy-Authorization``) header values of any scheme (OAuth, Bearer, Basic…); OAuth and
   oauthlib parameters (``oauth_signature``, ``oauth_token``, ``oauth_consumer_key``,
   ``client_key``, ``client_secret``, ``resource_owner_key``, ``resource_owner_secret``… see
   :data:`SECRET_KEYS`) written ``key=value``, ``key="value"``, ``key: value``,
   ``'key': 'value'``, ``('key', 'value')`` or ``key%3Dvalue``; and the password in a URL,
   ``scheme://user:PASSWORD@host``.

Traceback text (``exc_info``, ``stack_info``) is redacted too: exception messages carry URLs.

The filter never raises: a record whose args do not fit its format string is logged as its
format string and the ``repr`` of its args (redacted), instead of the ``--- Logging error ---``
logging would print; if redaction itself failed the message is withheld. It is cheap: a few
compiled expressions scan the message once each; redacting is idempotent, so a record seen at
creation and again by a handler comes out the same.

:func:`install` covers every logger at every level, in three ways, each cheap and idempotent:

- a record factory (:func:`logging.setLogRecordFactory`) that redacts every record as it is
  created. Every ``Logger`` makes its records through the factory, so this covers every
  third-party logger, at every level, whatever handler it reaches, including handlers added
  later (pytest's, Celery's, a library's own);
- the filter on every handler configured when :func:`install` runs (the root logger's and
  those of every other logger), for records made without the factory (``logging.makeLogRecord``
  when a record is received from a socket or a queue) or changed after they were made;
- for the handlers Celery installs when a worker or beat starts (after ``install``, and again
  in each prefork child), :mod:`publisher.entrypoints.celery_app` calls :func:`attach` from
  Celery's ``after_setup_logger`` and ``after_setup_task_logger`` signals.

The composition root (:func:`publisher.bootstrap.bootstrap`, used by the command line and the
tasks) and :func:`publisher.entrypoints.celery_app.make_celery` (worker, beat, the ``celery``
command) call :func:`install`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from publisher.settings import Settings

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SECRET_KEYS",
    "RedactingFilter",
    "active_filter",
    "attach",
    "install",
    "secret_values",
]

REDACTED = "********"
MIN_SECRET_LENGTH = 4

#: Parameter names whose values are credentials (or, for the signature, derived from them).
SECRET_KEYS = (
    "oauth_signature",
    "oauth_token_secret",
    "oauth_token",
    "oauth_consumer_key",
    "oauth_consumer_secret",
    "oauth_verifier",
    "client_key",
    "client_secret",
    "resource_owner_key",
    "resource_owner_secret",
    "consumer_key",
    "consumer_secret",
    "access_token_secret",
    "access_token",
    "bearer_token",
    "api_key",
    "api_secret",
    "signature",  # oauthlib's "Signature: <base64>"
)

#: Every name in SECRET_KEYS contains one of these (a cheap test before the expressions).
_KEY_WORDS = ("key", "token", "secret", "signature", "oauth")
#: "_" in a name also matches "-" (``X-Api-Key`` is ``api_key``).
_KEYS = "|".join(key.replace("_", "[-_]") for key in SECRET_KEYS)
_SCHEMES = r"(?:OAuth|Bearer|Basic|Digest|Token|Negotiate|NTLM|Hawk|ApiKey|AWS4-HMAC-SHA256)\s+"
#: Where a name starts: not inside a word, but right after a literal ``\n``/``\t`` of a repr,
#: or after ``%26`` (``&``) and ``%20`` (space) in percent-encoded text.
_START = r"(?:(?<![A-Za-z0-9])|(?<=\\n)|(?<=\\t)|(?<=%26)|(?<=%20))"
_QUOTED_VALUE = r"'(?:[^'\\\r\n]|\\.)*'|\"(?:[^\"\\\r\n]|\\.)*\""

#: ``Authorization: OAuth …`` / ``'Authorization': 'Bearer …'`` / ``authorization=Basic …``:
#: the scheme is kept, the rest of the value (to its closing quote, else to the end of the
#: line or a literal ``\r\n`` in a bytes repr) is replaced.
_AUTHORIZATION = re.compile(
    rf"(?i)(?P<head>{_START}(?:proxy-)?authorization['\"]?\s*[:=]\s*)"
    rf"(?:(?P<q>['\"])(?P<scheme_q>{_SCHEMES})?(?:(?!(?P=q))[^\\\r\n]|\\.)*(?P=q)"
    rf"|(?P<scheme>{_SCHEMES})?(?:(?!\\r\\n)[^\r\n])+)"
)
#: ``'key': 'value'``, ``"key": "value"``, ``('key', 'value')``: a quoted key, then : or ,.
_QUOTED_PAIR = re.compile(
    rf"(?i)(?P<head>(?P<kq>['\"])(?:{_KEYS})(?P=kq)\s*[:,]\s*)"
    rf"(?P<value>{_QUOTED_VALUE}|[^\s,;)\]}}]+)"
)
#: ``key=value``, ``key="value"``, ``key: value``, ``key%3Dvalue`` (a signature base string).
_BARE_PAIR = re.compile(
    rf"(?i)(?P<head>{_START}(?:{_KEYS})(?:\s*[=:]\s*|%3D))"
    rf"(?P<value>{_QUOTED_VALUE}|(?:(?!%26)[^\s&,;'\"<>()\[\]{{}}])+)"
)
#: ``scheme://user:PASSWORD@host`` (the user may be empty: ``redis://:PASSWORD@host``).
_URL_PASSWORD = re.compile(r"(?i)(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:)[^\s@/'\"]+(?=@)")


def _authorization(match: re.Match[str]) -> str:
    quote_char = match.group("q") or ""
    scheme = match.group("scheme_q") or match.group("scheme") or ""
    return f"{match.group('head')}{quote_char}{scheme}{REDACTED}{quote_char}"


def _pair(match: re.Match[str]) -> str:
    value = match.group("value")
    quote_char = value[0] if value[:1] in ("'", '"') and len(value) > 1 else ""
    return f"{match.group('head')}{quote_char}{REDACTED}{quote_char}"


def _variants(value: str) -> Iterator[str]:
    """The value as written, percent-encoded (an OAuth header or form), and encoded twice (an
    OAuth signature base string)."""
    yield value
    once = quote(value, safe="")
    yield once
    yield quote(once, safe="")


class RedactingFilter(logging.Filter):
    """Redacts configured secret values and secret-shaped text from every record it sees.

    Always returns True: it rewrites records, it never drops them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._exact: re.Pattern[str] | None = None
        self.add_secrets(secrets)

    @property
    def secret_count(self) -> int:
        """How many distinct values (variants included) are redacted exactly."""
        return len(self._secrets)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Also redact these exact values (kept with those given before)."""
        fresh = {
            variant
            for secret in secrets
            if len(secret) >= MIN_SECRET_LENGTH and secret not in REDACTED
            for variant in _variants(secret)
        }
        with self._lock:
            if fresh <= self._secrets:
                return
            self._secrets = self._secrets | fresh
            # Longest first, so a secret that contains another is replaced whole.
            ordered = sorted(self._secrets, key=lambda s: (-len(s), s))
            self._exact = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by :data:`REDACTED`."""
        exact = self._exact
        if exact is not None:
            text = exact.sub(REDACTED, text)
        # Substring tests first: most messages name no credential, and skip the expressions.
        lowered = text.lower()
        if "authorization" in lowered:
            text = _AUTHORIZATION.sub(_authorization, text)
        if any(word in lowered for word in _KEY_WORDS):
            text = _QUOTED_PAIR.sub(_pair, text)
            text = _BARE_PAIR.sub(_pair, text)
        if "://" in text and "@" in text:
            text = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._redact_record(record)
        except Exception:  # noqa: BLE001  (a log call must never fail; withhold instead)
            record.msg = "[log message withheld: it could not be checked for secrets]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True

    def _redact_record(self, record: logging.LogRecord) -> None:
        # Redacting is idempotent, so a record seen twice (at creation, then by a handler's
        # filter) comes out the same; the second pass costs a few scans of a short string.
        record.msg = self.redact(_message(record))
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)


_FORMATTER = logging.Formatter()


def _message(record: logging.LogRecord) -> str:
    """``record.getMessage()``, or, when the args do not fit the format, both shown raw."""
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001  (a bad format string or args: keep the record loggable)
        try:
            return f"{record.msg!s} [unformattable log arguments: {record.args!r}]"
        except Exception:  # noqa: BLE001  (even the repr failed: say so, log the rest)
            return "[unprintable log message]"


# --- Installation --------------------------------------------------------------------------

_FILTER = RedactingFilter()
_install_lock = threading.Lock()


def active_filter() -> RedactingFilter:
    """The process's filter, the one :func:`install` and :func:`attach` put in place."""
    return _FILTER


def secret_values(settings: Settings) -> list[str]:
    """The configured secrets: the X, Mastodon and Facebook credentials, the alert webhook's
    secret and address, and the passwords of the service URLs."""
    values = [
        secret.reveal()
        for secret in (
            settings.x_api_key,
            settings.x_api_secret,
            settings.x_access_token,
            settings.x_access_token_secret,
            settings.mastodon_access_token,
            settings.facebook_page_access_token,
            settings.alert_webhook_secret,
        )
        if secret is not None
    ]
    if settings.alert_webhook_url:
        # Chat webhooks carry their token in the path: the whole address is a credential.
        values.append(settings.alert_webhook_url)
    for url in (settings.database_url, settings.broker_url, settings.alert_webhook_url):
        try:
            password = urlsplit(url).password
        except ValueError:  # not a URL (a bad port): nothing to take from it
            password = None
        if password:
            values.append(password)
    return values


def _every_logger() -> Iterator[logging.Logger]:
    yield logging.getLogger()
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):  # not a PlaceHolder
            yield logger


def attach(logger: logging.Logger | None = None) -> None:
    """Put the filter on the handlers of ``logger`` (None: of every logger there is)."""
    loggers: Iterable[logging.Logger] = _every_logger() if logger is None else (logger,)
    for each in loggers:
        for handler in list(each.handlers):
            handler.addFilter(_FILTER)  # addFilter ignores a filter already there


class _RedactingFactory:
    """A record factory that redacts what the previous factory makes."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        _FILTER.filter(record)
        return record


def install(settings: Settings) -> None:
    """Redact the secrets of ``settings`` (and secret-shaped text) from every log record of
    this process, from now on. Safe to call again: secrets add up, nothing is wrapped twice."""
    _FILTER.add_secrets(secret_values(settings))
    with _install_lock:
        factory = logging.getLogRecordFactory()
        if not isinstance(factory, _RedactingFactory):
            logging.setLogRecordFactory(_RedactingFactory(factory))
    attach()
