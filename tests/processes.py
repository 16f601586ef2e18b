"""Real processes for tests: `python -m bot ...` started as a platform starts it, always stopped.

Also a TCP relay on loopback that can be cut and restored, to take a database away from a process
without touching the database server that other test runs share.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
EXIT_SECONDS = 30.0  # the longest any test waits for a process to exit
_KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def free_port() -> int:
    """A TCP port nobody is listening on right now (the process binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


async def eventually(
    what: str, condition: Callable[[], Any | Awaitable[Any]], seconds: float
) -> Any:
    """Poll `condition` (sync or async) until truthy; fail naming `what` at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"after {seconds:.0f}s still waiting for {what}")
        await asyncio.sleep(0.05)


class BotProcess:
    """One started process, logging to a file of its own."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log_path = log

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def send_signal(self, sig: signal.Signals) -> None:
        if self.running:
            self.process.send_signal(sig)

    async def exit_status(self, seconds: float = EXIT_SECONDS) -> int:
        """Wait (bounded) for the process to exit; its status, -N for signal N."""
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            raise AssertionError(
                f"{self.log_path.stem} still running after {seconds:.0f}s; its log:\n{self.log()}"
            ) from None

    async def kill(self) -> int:
        """SIGKILL: the machine dies, nothing graceful."""
        self.send_signal(signal.SIGKILL)
        return await self.exit_status()


class Processes:
    """Starts processes with a clean environment and kills whatever is still running at the end."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[BotProcess] = []
        self._numbers = itertools.count(1)

    async def start(self, *args: str, name: str, **env: str) -> BotProcess:
        """`python -m bot <args>` in `directory`, with only the given environment (and PATH)."""
        log = self.directory / f"{next(self._numbers):02d}-{name}.log"
        inherited = {k: v for k, v in os.environ.items() if k in _KEEP_ENV}
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *args,
                cwd=self.directory,
                env=inherited | {"PYTHONPATH": str(REPO)} | self.env | env,
                stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        started = BotProcess(process, log)
        self.started.append(started)
        return started

    async def run(self, *args: str, name: str, seconds: float = EXIT_SECONDS, **env: str) -> str:
        """Run a command to completion; fail with its log unless it exits 0. Returns the log."""
        process = await self.start(*args, name=name, **env)
        status = await process.exit_status(seconds)
        assert status == 0, f"`{' '.join(args)}` exited {status}; its log:\n{process.log()}"
        return process.log()

    async def kill_all(self) -> None:
        for process in self.started:
            if process.running:
                await process.kill()


class TcpRelay:
    """Relays 127.0.0.1:<port> to a server; `cut()` is the server vanishing, `restore()` its return.

    Cut closes the listener (new connections are refused) and drops every open connection, as a
    stopped or crashed database server does. Restore listens again on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, LOOPBACK, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        pumps = list(self._pumps)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        if server is not None:
            await asyncio.wait_for(server.wait_closed(), EXIT_SECONDS)

    async def restore(self) -> None:
        await self.open()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            self._writers.discard(writer)
            return
        self._writers.add(upstream_writer)
        pumps = {
            asyncio.create_task(self._pump(reader, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, writer)),
        }
        self._pumps |= pumps
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for each in (writer, upstream_writer):
                each.transport.abort()
                self._writers.discard(each)
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._pumps -= pumps

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
