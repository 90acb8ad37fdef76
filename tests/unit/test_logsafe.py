"""publisher.logsafe: secrets never reach a log, and a log call never fails because of it."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher import logsafe
from publisher.logsafe import REDACTED, SECRET_KEYS, RedactingFilter
from publisher.settings import Settings

KEY = "LSkey-0123456789abcdefABCDEF"
SECRET = "LSsecret-9876543210zyxwvuZYXWVU+/="
TOKEN = "1234567890-LStokenAbCdEfGhIjKlMnOpQr"
TOKEN_SECRET = "LStokensecret~!$&'()*;,x"


@pytest.fixture()
def redactor() -> RedactingFilter:
    return RedactingFilter([KEY, SECRET, TOKEN, TOKEN_SECRET])


def record(msg: object, *args: Any, exc_info: Any = None) -> logging.LogRecord:
    """A record as a logger makes it, but without the process's record factory."""
    return logging.LogRecord("test", logging.DEBUG, __file__, 1, msg, args or None, exc_info)


# --- Patterns: what looks like a secret goes, even when it was never configured ---------------

PATTERNS = [
    # (logged text, what must go, what must stay)
    pytest.param(
        "Updated headers: {'Accept': '*/*', 'Authorization': 'OAuth oauth_nonce=\"1\", "
        'oauth_consumer_key="ck-AAAA", oauth_token="tk-BBBB", oauth_signature="s%2FCCCC%3D"\', '
        "'Content-Length': '17'}",
        ["ck-AAAA", "tk-BBBB", "s%2FCCCC", "oauth_nonce"],
        ["'Authorization': 'OAuth ********'", "'Content-Length': '17'", "'Accept': '*/*'"],
        id="authorization-oauth-in-a-dict-repr",
    ),
    pytest.param(
        "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAA%2BuSeid\nnext line",
        ["AAAAAAAAAAAAAAAAAAAAAMLheAAAA"],
        ["Authorization: Bearer ********\nnext line"],
        id="authorization-bearer-header-line",
    ),
    pytest.param(
        '{"authorization": "Basic dXNlcjpwYXNzd29yZA==", "x": 1}',
        ["dXNlcjpwYXNzd29yZA"],
        ['"authorization": "Basic ********"', '"x": 1'],
        id="authorization-basic-json",
    ),
    pytest.param(
        "Proxy-Authorization: Digest username=u, response=6629fae49393a05397450978507c4ef1",
        ["6629fae4", "username=u"],
        ["Proxy-Authorization: Digest ********"],
        id="proxy-authorization",
    ),
    pytest.param(
        'send: b\'POST /2/tweets HTTP/1.1\\r\\nAuthorization: OAuth oauth_token="tk-DDDD"\\r\\n'
        "Content-Length: 2\\r\\n'",
        ["tk-DDDD"],
        ["Authorization: OAuth ********\\r\\nContent-Length: 2"],
        id="authorization-in-a-bytes-repr",
    ),
    pytest.param(
        "Signing request <PreparedRequest [POST]> using client <Client client_key=ck-EEEE, "
        "client_secret=cs-FFFF, resource_owner_key=rk-GGGG, resource_owner_secret=rs-HHHH, "
        "signature_method=HMAC-SHA1, signature_type=AUTH_HEADER>",
        ["ck-EEEE", "cs-FFFF", "rk-GGGG", "rs-HHHH"],
        ["client_key=********,", "resource_owner_secret=********,", "signature_method=HMAC-SHA1"],
        id="oauthlib-client-repr",
    ),
    pytest.param(
        "Collected params: [('oauth_nonce', '981'), ('oauth_signature_method', 'HMAC-SHA1'), "
        "('oauth_consumer_key', 'ck-IIII'), ('oauth_token', 'tk-JJJJ')]",
        ["ck-IIII", "tk-JJJJ"],
        ["('oauth_consumer_key', '********')", "('oauth_nonce', '981')", "'HMAC-SHA1'"],
        id="oauthlib-collected-params-tuples",
    ),
    pytest.param(
        "Normalized params: oauth_consumer_key=ck-KKKK&oauth_nonce=98&oauth_token=tk-LLLL&x=1",
        ["ck-KKKK", "tk-LLLL"],
        ["oauth_consumer_key=********&oauth_nonce=98&oauth_token=********&x=1"],
        id="query-string",
    ),
    pytest.param(
        "Signing: signature base string: POST&http%3A%2F%2Fh%2F2%2Ftweets&oauth_consumer_key"
        "%3Dck-MMMM%26oauth_nonce%3D981%26oauth_token%3Dtk-NNNN%26oauth_version%3D1.0",
        ["ck-MMMM", "tk-NNNN"],
        ["oauth_consumer_key%3D********%26oauth_nonce%3D981%26oauth_token%3D********%26"],
        id="signature-base-string",
    ),
    pytest.param(
        "Signature: 6/w2a79uO04gPI0IfwkNf4Y1rd0=",
        ["6/w2a79uO04gPI0IfwkNf4Y1rd0"],
        ["Signature: ********"],
        id="oauthlib-signature-line",
    ),
    pytest.param(
        "{'client_secret': 'cs-OOOO', \"resource_owner_secret\": \"rs-PPPP\", 'other': 'kept'}",
        ["cs-OOOO", "rs-PPPP"],
        ["'client_secret': '********'", '"resource_owner_secret": "********"', "'kept'"],
        id="quoted-key-value-pairs",
    ),
    pytest.param(
        "headers X-Api-Key: ak-QQQQ; access_token=at-RRRR",
        ["ak-QQQQ", "at-RRRR"],
        ["X-Api-Key: ********;", "access_token=********"],
        id="dashes-and-other-names",
    ),
    pytest.param(
        "engine postgresql+psycopg://publisher:pw-SSSS@db:5432/publisher; broker "
        "redis://:pw-TTTT@cache:6379/0; amqp://guest:pw-UU:UU@rabbit//",
        ["pw-SSSS", "pw-TTTT", "pw-UU"],
        [
            "postgresql+psycopg://publisher:********@db:5432/publisher",
            "redis://:********@cache:6379/0",
            "amqp://guest:********@rabbit//",
        ],
        id="url-passwords",
    ),
    pytest.param(
        "oauth_signature_method=HMAC-SHA1; Authorization failed for user; http://127.0.0.1:8000/"
        "x?a=b; the signature base string; token bucket refilled; x_oauth_token_count=5",
        [],
        [
            "oauth_signature_method=HMAC-SHA1; Authorization failed for user; "
            "http://127.0.0.1:8000/x?a=b; the signature base string; token bucket refilled; "
            "x_oauth_token_count=5"
        ],
        id="harmless-text-is-left-alone",
    ),
]


@pytest.mark.parametrize(("text", "gone", "kept"), PATTERNS)
def test_secret_shaped_text_is_redacted(text: str, gone: list[str], kept: list[str]) -> None:
    out = RedactingFilter().redact(text)
    for secret in gone:
        assert secret not in out, out
    for part in kept:
        assert part in out, out
    assert (REDACTED in out) == bool(gone)
    assert RedactingFilter().redact(out) == out  # idempotent


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_every_named_parameter_is_redacted_in_every_form(key: str) -> None:
    for text in (
        f"{key}=v4lue-1",
        f'{key}="v4lue-1"',
        f"{key}: v4lue-1",
        f"'{key}': 'v4lue-1'",
        f"('{key}', 'v4lue-1')",
        f"&{key}%3Dv4lue-1%26",
    ):
        out = RedactingFilter().redact(text)
        assert "v4lue-1" not in out and REDACTED in out, (text, out)


# --- Configured values ------------------------------------------------------------------------


def test_configured_values_are_redacted_anywhere(redactor: RedactingFilter) -> None:
    from urllib.parse import quote

    text = (
        f"free text {KEY} then {SECRET}; in a path /x/{TOKEN}/y; glued{TOKEN_SECRET}glued; "
        f"encoded {quote(TOKEN_SECRET, safe='')} and twice {quote(quote(SECRET, safe=''), safe='')}"
    )
    out = redactor.redact(text)
    for value in (KEY, SECRET, TOKEN, TOKEN_SECRET, quote(TOKEN_SECRET, safe="")):
        assert value not in out
    assert out.count(REDACTED) == 6
    assert out.startswith("free text ******** then ********; in a path /x/********/y; glued")


def test_short_and_empty_values_are_not_configured() -> None:
    redactor = RedactingFilter(["", "abc", "****"])
    assert redactor.secret_count == 0
    assert redactor.redact("abc and **** stay") == "abc and **** stay"


def test_secret_values_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path),
            "X_API_KEY": KEY,
            "X_API_SECRET": SECRET,
            "X_ACCESS_TOKEN": TOKEN,
            "X_ACCESS_TOKEN_SECRET": TOKEN_SECRET,
            "DATABASE_URL": "postgresql://publisher:db-pass-1@db/publisher",
            "BROKER_URL": "redis://:redis-pass-2@cache:6379/0",
        }
    )
    assert logsafe.secret_values(settings) == [
        KEY,
        SECRET,
        TOKEN,
        TOKEN_SECRET,
        "db-pass-1",
        "redis-pass-2",
    ]
    assert logsafe.secret_values(Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path)})) == []


# --- Records ------------------------------------------------------------------------------------


def test_a_record_with_args_is_formatted_then_redacted(redactor: RedactingFilter) -> None:
    item = record("client %s with token %r, %d tries", KEY, TOKEN, 3)
    assert redactor.filter(item) is True
    assert item.args == ()
    assert item.msg == "client ******** with token '********', 3 tries"
    assert item.getMessage() == item.msg


def test_a_record_with_a_mapping_arg(redactor: RedactingFilter) -> None:
    item = logging.LogRecord(
        "test",
        logging.INFO,
        __file__,
        1,
        "%(who)s signed with %(key)s",
        ({"who": "x", "key": KEY},),
        None,
    )
    redactor.filter(item)
    assert item.getMessage() == "x signed with ********"


def test_a_record_whose_args_do_not_fit_stays_loggable(
    redactor: RedactingFilter, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    logger = logging.getLogger("test.logsafe.badargs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("expected a number %d, token %s", "not a number", TOKEN)
        logger.warning("too few %s %s", KEY)
        logger.warning("no placeholder", KEY)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "expected a number %d, token %s [unformattable log arguments: "
        "('not a number', '********')]",
        "too few %s %s [unformattable log arguments: ('********',)]",
        "no placeholder [unformattable log arguments: ('********',)]",
    ]
    assert "Logging error" not in capsys.readouterr().err


def test_an_unprintable_message_stays_loggable(redactor: RedactingFilter) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

        def __repr__(self) -> str:
            raise RuntimeError("no")

    item = record(Unprintable(), 1)
    assert redactor.filter(item) is True
    assert item.getMessage() == "[unprintable log message]"


def test_the_filter_never_raises(
    redactor: RedactingFilter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("redaction broke")

    monkeypatch.setattr(redactor, "redact", broken)
    item = record("token %s", TOKEN)
    assert redactor.filter(item) is True
    assert TOKEN not in item.getMessage()
    assert "withheld" in item.getMessage() and item.args == ()


def test_tracebacks_are_redacted(redactor: RedactingFilter) -> None:
    try:
        raise ConnectionError(f"cannot reach https://user:pw-VVVV@api.example/ with {TOKEN}")
    except ConnectionError:
        item = record("failed", exc_info=sys.exc_info())
    redactor.filter(item)
    text = logging.Formatter().format(item)
    assert "Traceback" in text and "ConnectionError" in text
    assert TOKEN not in text and "pw-VVVV" not in text
    assert "https://user:********@api.example/" in text


def test_redacting_twice_changes_nothing(redactor: RedactingFilter) -> None:
    item = record("key %s, 'oauth_token': '%s'", KEY, "tk-WWWW")
    redactor.filter(item)
    once = item.getMessage()
    redactor.filter(item)
    assert item.getMessage() == once == "key ********, 'oauth_token': '********'"


# --- Installation -------------------------------------------------------------------------------


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path),
            "X_API_KEY": KEY,
            "X_API_SECRET": SECRET,
            "X_ACCESS_TOKEN": TOKEN,
            "X_ACCESS_TOKEN_SECRET": TOKEN_SECRET,
        }
    )


@pytest.fixture()
def streams() -> Iterator[list[tuple[logging.Logger, logging.Handler, io.StringIO]]]:
    """Handlers a test adds; removed afterwards (the installed factory stays, by design)."""
    added: list[tuple[logging.Logger, logging.Handler, io.StringIO]] = []
    yield added
    for logger, handler, _ in added:
        logger.removeHandler(handler)


def _stream_on(
    logger: logging.Logger, added: list[tuple[logging.Logger, logging.Handler, io.StringIO]]
) -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    added.append((logger, handler, stream))
    return stream


def test_install_covers_handlers_before_and_after_and_is_idempotent(
    settings: Settings, streams: Any
) -> None:
    early = logging.getLogger("test.logsafe.early")
    late = logging.getLogger("test.logsafe.late")  # a third-party logger configured later
    for logger in (early, late):
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    before = _stream_on(early, streams)
    logsafe.install(settings)
    logsafe.install(settings)
    factory = logging.getLogRecordFactory()
    assert isinstance(factory, logsafe._RedactingFactory)
    assert not isinstance(factory.previous, logsafe._RedactingFactory)  # wrapped once only
    assert logsafe.active_filter() in streams[0][1].filters
    after = _stream_on(late, streams)
    assert logsafe.active_filter() not in streams[1][1].filters  # only the factory covers it

    early.debug("client_key=%s secret=%s", KEY, SECRET)
    late.debug("resource_owner_key=%s and %s", TOKEN, TOKEN_SECRET)
    # A record made without the factory (as a socket or queue listener makes them): the filter
    # on the handler that was there at install time catches it.
    raw = {"name": early.name, "levelno": logging.INFO, "msg": f"raw {TOKEN}", "args": ()}
    early.handle(logging.makeLogRecord(raw))
    assert before.getvalue() == "client_key=******** secret=********\nraw ********\n"
    assert after.getvalue() == "resource_owner_key=******** and ********\n"


def test_celery_handlers_get_the_filter(settings: Settings, streams: Any) -> None:
    from celery import signals

    from publisher.entrypoints.celery_app import make_celery

    make_celery(settings)
    root = logging.getLogger()
    _stream_on(root, streams)  # as Celery's own setup adds a handler when the worker starts
    handler = streams[0][1]
    assert logsafe.active_filter() not in handler.filters
    signals.after_setup_logger.send(sender=None, logger=root, loglevel=logging.INFO)
    assert logsafe.active_filter() in handler.filters
    task_logger = logging.getLogger("celery.task.logsafe-test")
    _stream_on(task_logger, streams)
    signals.after_setup_task_logger.send(sender=None, logger=task_logger, loglevel=logging.INFO)
    assert logsafe.active_filter() in streams[1][1].filters
