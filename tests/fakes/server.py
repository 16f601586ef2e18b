"""BotApiServer: a FakeBotApi behind a real HTTP server on loopback, for out-of-process bots."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.wire import UploadedFile


class BotApiServer:
    """Serve `/bot<token>/<method>` and `/file/bot<token>/<path>` on 127.0.0.1:<free port>.

    Accepts what Bot API clients send: query strings, form-urlencoded bodies, multipart
    uploads and JSON bodies, on GET or POST.
    """

    def __init__(self, api: FakeBotApi, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self.host = host
        self.port = port
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)

    @property
    def url(self) -> str:
        """The server's root, e.g. "http://127.0.0.1:41234"."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's `base_url` (the token is appended) and the app's BOT_API_URL setting."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For PTB's `base_file_url`."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            server = site._server  # the only way to learn which ephemeral port was bound
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _call(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return _error(400, "Bad Request: can't parse JSON request body")
                params.update(body)
            else:
                for name, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        content = value.file.read()
                        files[name] = UploadedFile(value.filename, content, value.content_type)
                    else:
                        params[name] = value
        status, envelope = await self.api.handle(
            request.match_info["method"], params, files=files, token=request.match_info["token"]
        )
        return web.json_response(envelope, status=status, dumps=_dumps)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.api.token:
            return _error(401, "Unauthorized")
        content = self.api.download(request.match_info["path"])
        if content is None:
            return _error(404, "Not Found")
        return web.Response(body=content, content_type="application/octet-stream")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)
