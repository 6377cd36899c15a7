"""A werkzeug WSGI server that runs in the foreground or in a thread, and stops cleanly."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class WsgiServer:
    def __init__(self, host: str, port: int, app: Any, *, threaded: bool, **options: Any) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=threaded, **options)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start_in_thread(self, name: str) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name=name, daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the server thread ends, waking often: the kernel may hand Ctrl-C to another thread,
        and Python runs signal handlers in the main thread only between bytecodes (pause() may never wake)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.25)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
