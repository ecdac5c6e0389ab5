"""Serving the built page on 127.0.0.1 (``--serve PORT``)."""

from __future__ import annotations

import contextlib
import functools
import http.server
from pathlib import Path


def serve(directory: Path, port: int) -> None:
    """Serve ``directory`` on http://127.0.0.1:PORT until interrupted."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
