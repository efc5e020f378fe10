"""H5 forms against a backend on another origin, in real Chromium: a backend that answers only the POST (as
wx.request needs) fails every form; one that also answers the preflight with the headers the backend contract
documents works. The contract says so."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from generator.build import build
from generator.targets.commerce_contract import cors_headers

from .conftest import MINIMAL_SITE, StaticServer

FORM_SITE = MINIMAL_SITE.replace(
    "      - type: text\n        body: 欢迎\n",
    "      - type: form\n        endpoint: https://api.example.com/lead\n"
    "        fields:\n          - {name: phone, label: 手机号, type: tel, required: true}\n",
)


class Backend:
    """A form endpoint on 127.0.0.1, another origin than the H5 site's (served from localhost)."""

    def __init__(self, headers: dict[str, str] | None) -> None:
        self.posted: list[dict] = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_OPTIONS(self):  # noqa: N802
                if headers is None:  # like a backend written for wx.request only
                    self.send_error(405)
                    return
                self.send_response(204)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def do_POST(self):  # noqa: N802
                backend.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if headers is not None:
                    self.send_header("Access-Control-Allow-Origin", headers["Access-Control-Allow-Origin"])
                self.end_headers()
                self.wfile.write(b"{}")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/lead"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("answers_preflight", [False, True])
def test_forms_need_the_documented_cors_answers(make_site, page, answers_preflight: bool) -> None:
    site = make_site(FORM_SITE)
    build(site)
    h5 = site / "dist" / "h5"
    server = StaticServer(h5)
    origin = server.url.replace("127.0.0.1", "localhost").rstrip("/")
    backend = Backend(cors_headers(origin) if answers_preflight else None)
    try:
        index = h5 / "index.html"  # the endpoint must be https in the spec; here it is the local backend
        index.write_text(index.read_text(encoding="utf-8").replace("https://api.example.com/lead", backend.url))
        page.goto(origin + "/index.html")
        page.fill("input[name=phone]", "13800138000")
        page.click(".submit-button")
        page.wait_for_selector(".form-status.is-success, .form-status.is-error")
        succeeded = page.locator(".form-status.is-success").count() == 1
    finally:
        backend.close()
        server.close()
    assert succeeded == answers_preflight
    assert backend.posted == ([{"phone": "13800138000"}] if answers_preflight else [])  # no preflight, no POST


def test_backend_contract_documents_the_preflight(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  base_url: https://m.example.com/shop/")
        + "catalog:\n  categories: [{id: c, name: 类}]\n  products: [{id: x, name: 熊, price: 1, category: c}]\n"
        + "commerce: {api: https://api.example.com/v1}\n"
    )
    files = {f.path: f.data for f in build(site, write=False).files}
    text = json.loads(files["commerce/openapi.json"])["info"]["description"]
    assert "preflight" in text and "OPTIONS" in text
    for name, value in cors_headers("https://m.example.com").items():
        assert f"{name}: {value}" in text
