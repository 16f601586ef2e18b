"""What each CLI command does, kept apart from argument parsing so tests can call it directly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.engine import make_url

from bot import bot_api, logs
from bot.app import build_application, initialised, publish_commands
from bot.keys import key_file_for, pseudonym_key
from bot.polling import poll
from bot.runtime import check_files, open_runtime
from bot.settings import Settings, get_settings
from bot.webhook import init_app
from conversations.flow import load_book, missing_translations
from conversations.services import load_services
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import Repository

log = logging.getLogger("listening_post")

# Platforms send SIGKILL some 30 s after SIGTERM; finish in-flight updates well before that.
SHUTDOWN_SECONDS = 20

__all__ = ["Settings", "check", "migrate", "run", "serve", "settings_with_logging"]


def settings_with_logging() -> Settings:
    settings = get_settings()
    logs.configure(settings.bot_token.get_secret_value())
    return settings


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url, settings.database_timeout)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    log.info("database schema is up to date")


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Long polling until `stop` is set; people halfway through carry on after a restart."""
    checked = check_files(settings)
    # A refused token or an absent Bot API stops `run` here, before it creates a database or key.
    await bot_api.meet(settings)
    runtime = await open_runtime(settings, checked=checked)
    try:
        app = build_application(settings, runtime)
        async with initialised(app):
            await app.bot.delete_webhook(drop_pending_updates=False)
            await publish_commands(app)
            await app.start()
            log.info("Listening Post is running as @%s (long polling)", app.bot.username)
            await poll(app, stop)
            log.info("stopping")
            await app.stop()
    finally:
        await runtime.close()


def serve(settings: Settings) -> None:
    """The webhook server on $PORT; SIGTERM finishes requests in flight, then closes cleanly."""
    app = init_app(settings)
    # All interfaces: platforms route to the process's port from outside the container.
    web.run_app(
        app,
        host="0.0.0.0",  # noqa: S104
        port=settings.port,
        shutdown_timeout=SHUTDOWN_SECONDS,
        access_log=None,
        print=None,
        handle_signals=True,
    )
    log.info("stopped")


async def check(out: Callable[[str], None]) -> int:
    """Print what was found; 2 for a configuration problem, 1 if the database cannot be reached."""
    settings = settings_with_logging()
    url = make_url(settings.database_url)
    out(f"database: {url.render_as_string(hide_password=True)}")
    out(f"Bot API: {settings.bot_api_url}")
    out(f"time zone: {settings.timezone}")
    if settings.pseudonym_key is not None or not settings.is_sqlite:
        pseudonym_key(settings, create=False)
        out("pseudonym key: set by PSEUDONYM_KEY")
    else:
        path = key_file_for(settings)
        out(f"pseudonym key: {'read from' if path.exists() else 'will be generated in'} {path}")
    services = load_services(settings.services_file)
    out(f"services: {len(services.items)} from {settings.services_file}")
    for service in services.items:
        out(f"  {service.code}: {service.name('en')}")
    themes = settings.themes()
    languages = ", ".join(themes.languages)
    out(f"themes: {len(themes.items)} with keywords in {languages}, from {settings.themes_file}")
    book = load_book()
    steps = ", ".join(step.key for step in book.feedback.steps)
    out(f"feedback flow: {len(book.feedback.steps)} steps ({steps})")
    for code, name in book.languages.items():
        missing = missing_translations(book)[code]
        status = f"{missing} texts fall back to English" if missing else "complete"
        out(f"language {code} ({name}): {status}")
    engine = create_engine(settings.database_url, settings.database_timeout)
    repo = Repository(engine)
    try:
        reachable = await repo.ping()
    finally:
        await repo.close()
        await engine.dispose()
    out(f"database reachable: {'yes' if reachable else 'NO'}")
    return 0 if reachable else 1
