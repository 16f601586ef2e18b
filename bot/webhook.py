"""`listening-post serve`: Telegram's webhook on aiohttp; 200 only once an update is committed."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from telegram import Update
from telegram.request import BaseRequest

from bot.app import build_application, initialised
from bot.runtime import Runtime, open_runtime
from bot.settings import ConfigError, Settings
from conversations.context import LPApplication
from conversations.guards import UNFINISHED

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is not Telegram
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", Runtime)
TELEGRAM = web.AppKey("telegram", LPApplication)
# A network-layer stand-in for Telegram in tests; None in production.
REQUEST: web.AppKey[BaseRequest | None] = web.AppKey("request")


async def _telegram_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database and start the PTB Application for the server's lifetime."""
    settings = app[SETTINGS]
    runtime = await open_runtime(settings)
    app[RUNTIME] = runtime
    try:
        telegram = build_application(settings, runtime, request=app[REQUEST])
        app[TELEGRAM] = telegram
        async with initialised(telegram):
            await telegram.start()
            log.info("Listening Post is serving its webhook on port %d", settings.port)
            yield
            await telegram.stop()
    finally:
        await runtime.close()


async def receive_update(request: web.Request) -> web.Response:
    """One update from Telegram: 200 once committed (or already processed), 5xx to be retried."""
    settings = request.app[SETTINGS]
    assert settings.webhook_secret is not None  # serve refuses to start without one
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"),
        settings.webhook_secret.get_secret_value().encode(),
    ):
        raise web.HTTPForbidden()
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType()
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    try:
        data = json.loads(await request.read())
        telegram = request.app[TELEGRAM]
        update = Update.de_json(data, telegram.bot)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise web.HTTPBadRequest(text="not a Telegram update") from exc
    try:
        await telegram.process_update(update)
    except UNFINISHED:
        # Not committed, or its replies not sent: Telegram will deliver this update again.
        raise web.HTTPServiceUnavailable() from None
    return web.Response(text="ok")


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 otherwise (for the platform's health checks)."""
    if await request.app[RUNTIME].repo.ping():
        return web.Response(text="ok")
    raise web.HTTPServiceUnavailable(text="database unavailable")


def init_app(settings: Settings, *, request: BaseRequest | None = None) -> web.Application:
    if settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET is required to serve a webhook")
    app = web.Application(client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[REQUEST] = request
    app.cleanup_ctx.append(_telegram_ctx)
    app.router.add_post(settings.webhook_path, receive_update)
    app.router.add_get("/healthz", healthz)
    return app
