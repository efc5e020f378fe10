"""Tracking: declared events with only their declared fields, batched or through wx.reportEvent; H5 beacons."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main

from .conftest import MINIMAL_SITE, REPO

NODE = shutil.which("node")
ENDPOINT = "https://collect.example.com/events"
WITH_ENDPOINT = MINIMAL_SITE + f"analytics:\n  endpoint: {ENDPOINT}\n  events:\n    signup: {{fields: [source]}}\n"

DRIVE = """
const calls = { reportEvent: [], request: [] };
global.wx = {
  reportEvent: (name, data) => calls.reportEvent.push([name, data]),
  request: (options) => { calls.request.push(options); options.success({ statusCode: 200, data: {} }); },
};
const { track, flush } = require(process.argv[1] + '/utils/track.js');
track('page_view', { page: 'home', phone: '13812345678' });
track('not_declared', { page: 'home' });
for (let i = 0; i < 10; i++) track('signup', { source: 'ad' + i, email: 'x@y.z' });
flush();
process.stdout.write(JSON.stringify(calls));
"""


def drive(package: Path) -> dict:
    done = subprocess.run([NODE, "-e", DRIVE, str(package)], capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_without_endpoint_events_go_to_report_event_with_declared_fields_only(make_site) -> None:
    site = make_site()
    build(site)
    calls = drive(site / "dist" / "miniprogram")
    assert calls["reportEvent"][0] == ["page_view", {"page": "home"}]  # no phone: not a declared field
    assert [name for name, _ in calls["reportEvent"]] == ["page_view"]  # undeclared events are dropped
    assert calls["request"] == []


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_with_endpoint_events_are_batched_https_posts(make_site) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    calls = drive(site / "dist" / "miniprogram")
    assert calls["reportEvent"] == []
    assert [r["url"] for r in calls["request"]] == [ENDPOINT, ENDPOINT]  # 10 events fill a batch, then the flush
    first = calls["request"][0]["data"]["events"]
    assert first[0]["event"] == "page_view" and first[0]["fields"] == {"page": "home"}
    assert first[1]["fields"] == {"source": "ad0"}  # the email was not declared
    assert len(first) == 10 and len(calls["request"][1]["data"]["events"]) == 1


def test_events_json_documents_every_event(make_site) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    document = json.loads((site / "dist" / "analytics" / "events.json").read_text(encoding="utf-8"))
    assert document["transport"] == f"POST {ENDPOINT}"
    assert document["events"]["signup"]["fields"] == ["source"]
    assert {"page_view", "product_view", "add_to_cart", "checkout_start", "pay_success", "share"} <= set(
        document["events"]
    )


def test_personal_data_in_an_event_is_a_lint_error(make_site) -> None:
    site_yaml = MINIMAL_SITE + "analytics:\n  events:\n    signup:\n      fields: [source, phone_number]\n"
    result = CliRunner().invoke(main, ["lint", str(make_site(site_yaml))])
    assert result.exit_code == 1
    assert "analytics.events.signup.fields[1]: [tracking-pii] field 'phone_number'" in result.output


def test_h5_page_sends_a_page_view_beacon(make_site, page) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    beacons: list[str] = []

    def capture(route) -> None:
        beacons.append(route.request.post_data)
        route.fulfill(status=204, headers={"Access-Control-Allow-Origin": "*"})

    page.route(ENDPOINT, capture)
    page.goto((site / "dist" / "h5" / "pages" / "about.html").as_uri())
    page.wait_for_timeout(300)
    assert len(beacons) == 1
    (event,) = json.loads(beacons[0])["events"]
    assert event["event"] == "page_view" and event["fields"] == {"page": "pages/about", "target": "h5"}


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_request_helper_refuses_http_and_bounds_the_wait(make_site) -> None:
    site = make_site()
    build(site)
    program = """
const seen = [];
global.wx = { request: (o) => { seen.push(o); o.success({ statusCode: 200, data: { ok: 1 } }); } };
const { request, TIMEOUT_MS } = require(process.argv[1] + '/utils/request.js');
request({ url: 'http://example.com/x' }).then(() => 'accepted', (e) => e.message).then((refused) =>
  request({ url: 'https://example.com/x' }).then((data) =>
    process.stdout.write(JSON.stringify(
      { refused, data, timeout: seen[0].timeout, max: TIMEOUT_MS, n: seen.length }))));
"""
    done = subprocess.run(
        [NODE, "-e", program, str(site / "dist" / "miniprogram")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result = json.loads(done.stdout)
    assert result["refused"].startswith("refused: only https") and result["n"] == 1
    assert result["data"] == {"ok": 1} and result["timeout"] == result["max"] == 15000


DRIVE_PAGE = """
const calls = { reportEvent: [] };
global.wx = {
  reportEvent: (name, data) => calls.reportEvent.push([name, data]),
  getStorageSync: (key) => (key === 'mpgen-session' ? { session: 's', ref: 'r-1' } : ''),
};
let page = null;
global.Page = (definition) => { page = definition; };
require(process.argv[1]);
page.onShow();
const share = page.onShareAppMessage ? page.onShareAppMessage.call({ data: page.data }) : null;
process.stdout.write(JSON.stringify({ calls, share, title: page.data.title }));
"""


def drive_page(page_js: Path) -> dict:
    command = [NODE, "-e", DRIVE_PAGE, str(page_js)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_content_page_tracks_its_view_and_shares_itself(make_site) -> None:
    site = make_site()
    build(site)
    result = drive_page(site / "dist" / "miniprogram" / "pages" / "about" / "index.js")
    assert result["calls"]["reportEvent"][0] == ["page_view", {"page": "about"}]
    assert result["share"] == {"title": "关于", "path": "/pages/about/index"}
    assert ["share", {"page": "about"}] in result["calls"]["reportEvent"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_shared_page_of_a_selling_site_carries_the_inviter(tmp_path: Path) -> None:
    build(REPO / "sites" / "beibei", tmp_path / "dist")
    package = tmp_path / "dist" / "miniprogram"
    home = drive_page(package / "pages" / "home" / "index.js")
    assert home["share"]["path"].endswith("?inviter=r-1")
