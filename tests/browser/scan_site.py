"""A small site for `lupa scan` tests: pages that embed Lupa's widget (same origin: everything
else is passed to the real app) and misbehave in one way each, and stand-ins for third-party
tag hosts. Chromium reaches the third-party names through --host-resolver-rules (loopback
only); they are hosts that are not on Chromium's HSTS preload list, so plain HTTP works."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

GTM = "www.googletagmanager.com"  # Google Analytics' loader (vendor google_analytics_4)
HOTJAR = "static.hotjar.com"  # Hotjar: not declared in the demo notice
CLARITY = "www.clarity.ms"  # Microsoft Clarity: processed in the US
THIRD_PARTY = (GTM, HOTJAR, CLARITY)
RESOLVER = "--host-resolver-rules=" + ", ".join(f"MAP {h} 127.0.0.1" for h in THIRD_PARTY)

# The demo page's stand-in tags, blocked until consent as the widget's docs say.
BLOCKED_TAGS = """
<script type="text/plain" data-category="analytics" src="/demo/static/fake-ga.js"></script>
<script type="text/plain" data-category="marketing" src="/demo/static/fake-pixel.js"></script>
<script type="text/plain" data-category="preferences">
  document.cookie = 'kirkas_lang=en; Max-Age=31536000; Path=/; SameSite=Lax';
</script>"""


def page(body: str, *, tags: str = BLOCKED_TAGS, site: str = "demo") -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="/widget.js" data-site="{site}" defer></script>{tags}</head>
<body><h1>Shop</h1><p>Things for sale.</p>{body}</body></html>"""


def third_party_script(request: Request) -> Response:
    """A vendor's tag: optionally sets a first-party cookie named by ?set= on the page."""
    name = request.args.get("set", "")
    js = (f"document.cookie = '{name}=1.2.3; Max-Age=7776000; Path=/; SameSite=Lax';"
          if name.replace("_", "").isalnum() else "") + "window.__tag = (window.__tag||0) + 1;"
    return Response(js, mimetype="text/javascript")


@contextmanager
def serve(app: Any, pages: dict[str, str],
          extra: dict[str, Callable[[Request], Response]] | None = None) -> Iterator[str]:
    """Serves `pages` (path -> HTML) and `extra` handlers, the third-party hosts' tags, and the
    app for everything else, on one loopback port; yields the base URL."""
    routes = dict(extra or {})

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.host.split(":")[0] in THIRD_PARTY:
            return third_party_script(request)(environ, start_response)
        if request.path in pages:
            resp = Response(pages[request.path], mimetype="text/html")
            return resp(environ, start_response)
        if request.path in routes:
            return routes[request.path](request)(environ, start_response)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
