"""The backend contract of a selling site, as OpenAPI 3.1: what the generated checkout sends and expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..plan.site import Site
from ..write.output import OutputFile, text_file
from .target import BatchTarget

ROOT = "commerce"


def render_commerce_contract(site: Site) -> list[OutputFile]:
    commerce = site.spec.commerce
    if commerce is None:
        return []
    document = contract(commerce.api, site.spec.site.name, h5_origin(site.spec.site.base_url))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return [text_file(f"{ROOT}/openapi.json", text, "generator.targets.commerce_contract")]


TARGET = BatchTarget("commerce-contract", ROOT, render_commerce_contract)


def h5_origin(base_url: str | None) -> str:
    """The origin the H5 site's forms post from: scheme and host of site.base_url."""
    if not base_url:
        return ""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def cors_headers(origin: str) -> dict[str, str]:
    """What an endpoint must answer the H5 site's preflight (OPTIONS) with; the answer to the POST itself needs
    Access-Control-Allow-Origin too. wx.request in the mini-program sends no preflight, so a backend tested only
    from the mini-program fails every H5 form."""
    return {
        "Access-Control-Allow-Origin": origin or "https://<the H5 site's host>",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
    }


def cors_text(origin: str) -> str:
    headers = "; ".join(f"{name}: {value}" for name, value in cors_headers(origin).items())
    return (
        "Forms: the H5 site (dist/h5) posts each form's values as JSON (Content-Type: application/json) to the "
        "form's endpoint from the H5 site's origin, so where that endpoint is on this backend the browser first "
        "sends a CORS preflight, an OPTIONS request that must get a 2xx answer with "
        f"{headers}; the POST's answer needs Access-Control-Allow-Origin too. The mini-program's wx.request "
        "sends no preflight, so a backend that answers only it makes every H5 form fail."
    )


CONTRACT_FILE = Path(__file__).with_name("commerce_openapi.json")
"""`gen serve`'s OpenAPI document (`server/contract.py` writes it from the server's routes and models)."""
DESCRIPTION = (
    "The generated mini-program calls these endpoints; `gen serve` answers them (this document is its own). "
    "Every call is https with a 15 s timeout; money is integer fen; the server recomputes every amount from "
    "its own prices and stock and never trusts the client's. "
)


def contract(api: str, shop: str, origin: str = "") -> dict[str, Any]:
    """The server's document for one site: its address, its name, the CORS its H5 forms need."""
    document: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    document["info"] = {
        **document["info"],
        "title": f"{shop}: order and payment backend",
        "description": DESCRIPTION + cors_text(origin),
    }
    document["servers"] = [{"url": api}]
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["session"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "From POST /session.",
    }
    return document
