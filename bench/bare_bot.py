"""The baseline: a bare python-telegram-bot Application behind an aiohttp webhook route.

It does what `serve` does on the HTTP side (secret check, JSON parse, `Update.de_json`,
`process_update`, 200 afterwards) and then answers every update with one `send_message`: no
database, no rate limiter, no conversation. Settings come from the same environment variables
as `serve`: BOT_TOKEN, BOT_API_URL, WEBHOOK_SECRET, WEBHOOK_PATH, PORT.

Run: `BOT_TOKEN=... BOT_API_URL=... WEBHOOK_SECRET=... PORT=... python -m bench.bare_bot`
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
TELEGRAM: web.AppKey[Application[Any, Any, Any, Any, Any, Any]] = web.AppKey("telegram")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One message back to whoever sent the update."""
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, "Thanks, noted.")


async def receive_update(request: web.Request) -> web.Response:
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, os.environ["WEBHOOK_SECRET"].encode()):
        raise web.HTTPForbidden()
    telegram = request.app[TELEGRAM]
    try:
        update = Update.de_json(json.loads(await request.read()), telegram.bot)
    except (ValueError, TypeError, KeyError) as exc:
        raise web.HTTPBadRequest(text="not a Telegram update") from exc
    await telegram.process_update(update)
    return web.Response(text="ok")


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _telegram_ctx(app: web.Application) -> AsyncIterator[None]:
    telegram = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_URL"])
        .updater(None)
        .build()
    )
    telegram.add_handler(TypeHandler(Update, answer))
    app[TELEGRAM] = telegram
    async with telegram:
        await telegram.start()
        yield
        await telegram.stop()


def main() -> None:
    app = web.Application()
    app.cleanup_ctx.append(_telegram_ctx)
    app.router.add_post(os.environ.get("WEBHOOK_PATH", "/telegram"), receive_update)
    app.router.add_get("/healthz", healthz)
    port = int(os.environ.get("PORT", "8080"))
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
