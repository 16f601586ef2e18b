"""FakeRequest: PTB's network layer (BaseRequest) wired straight to a FakeBotApi."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.wire import UploadedFile

API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
NOT_FOUND = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()


class FakeRequest(BaseRequest):
    """Sends what PTB would put on the wire (form fields, multipart files) to a FakeBotApi.

    Like `HTTPXRequest` it works straight away and refuses to work after `shutdown()` until
    `initialize()` is called again; read timeouts apply, so a long poll that outlives the read
    timeout raises `telegram.error.TimedOut` just as it would over HTTP.
    """

    def __init__(self, api: FakeBotApi, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._closed = False

    async def shutdown(self) -> None:
        self._closed = True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._closed:
            raise RuntimeError("This FakeRequest is not initialized!")
        path = urlsplit(url).path
        download = FILE_PATH.search(path)
        if download and method == "GET":
            content = self.api.download(download["path"])
            return (404, NOT_FOUND) if content is None else (200, content)
        call = API_PATH.search(path)
        if call is None:
            return 404, NOT_FOUND
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            async with asyncio.timeout(timeout):
                status, body = await self.api.handle(
                    call["method"],
                    request_data.json_parameters if request_data else {},
                    files=uploads(request_data),
                    token=call["token"],
                )
        except TimeoutError as exc:
            raise TimedOut from exc
        return status, json.dumps(body).encode()


def uploads(request_data: RequestData | None) -> dict[str, UploadedFile]:
    """The multipart parts PTB would upload, read into memory."""
    if request_data is None or not request_data.contains_files:
        return {}
    files: dict[str, UploadedFile] = {}
    for name, part in request_data.multipart_data.items():
        filename, content, mime_type = part
        data = content if isinstance(content, bytes) else content.read()
        files[name] = UploadedFile(str(filename or name), bytes(data), mime_type)
    return files
