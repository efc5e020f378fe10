"""POST /forms/{form_id}: the form's own rules, per-field 400s, stored submissions, CORS for the H5 origin."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from generator.server.forms import check_values, site_forms
from generator.server.models import FormSubmission

from .conftest import SHOP

FORM = "/forms/booking"
H5 = "https://shop.example.com"
GOOD = {
    "name": " 王小明 ",
    "phone": "13812345678",
    "email": "a@b.cn",
    "people": "3",
    "kind": "到店",
    "day": "2026-12-24",
}


def stored(engine: Engine) -> list[FormSubmission]:
    with Session(engine) as db:
        return list(db.execute(select(FormSubmission)).scalars())


def test_forms_with_an_id_are_served_under_it() -> None:
    from generator.build import load

    forms = site_forms(load(SHOP)[0].spec)
    assert list(forms) == ["booking"]  # the second form posts to an endpoint of its own
    assert forms["booking"].title == "预约" and len(forms["booking"].fields) == 6


def test_a_valid_submission_is_stored_trimmed(client: TestClient, db_engine: Engine) -> None:
    answer = client.post(FORM, json=GOOD)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    [row] = stored(db_engine)
    assert row.form_id == "booking"
    assert row.values == {**GOOD, "name": "王小明"}
    assert row.created_at.tzinfo is not None


def test_optional_fields_may_be_left_out(client: TestClient, db_engine: Engine) -> None:
    assert client.post(FORM, json={"name": "李", "phone": "010-12345678"}).status_code == 200
    assert stored(db_engine)[0].values == {
        "name": "李",
        "phone": "010-12345678",
        "email": "",
        "people": "",
        "kind": "",
        "day": "",
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "请填写姓名"),
        ({"name": "   "}, "name", "请填写姓名"),
        ({"name": "长" * 21}, "name", "姓名最多 20 个字"),
        ({"phone": "12345"}, "phone", "请输入正确的电话号码"),
        ({"email": "not-an-email"}, "email", "请输入正确的邮箱地址"),
        ({"people": "three"}, "people", "人数需要是数字"),
        ({"people": "nan"}, "people", "人数需要是数字"),
        ({"kind": "自提"}, "kind", "请从选项中选择类型"),
        ({"day": "2026-02-30"}, "day", "日期需要是日期 (YYYY-MM-DD)"),
        ({"day": "24/12/2026"}, "day", "日期需要是日期 (YYYY-MM-DD)"),
        ({"name": ["a"]}, "name", "姓名需要是文字 (a string)"),
        ({"name": True}, "name", "姓名需要是文字 (a string)"),
        ({"extra": "x"}, "extra", "这个表单没有此项 (unknown field)"),
    ],
)
def test_invalid_values_are_a_400_with_a_message_per_field(
    client: TestClient, db_engine: Engine, change: dict[str, Any], field: str, message: str
) -> None:
    answer = client.post(FORM, json={**GOOD, **change})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_form"
    assert body["fields"] == {field: message}
    assert stored(db_engine) == []


def test_every_problem_is_reported_at_once() -> None:
    from generator.build import load

    rules = site_forms(load(SHOP)[0].spec)["booking"]
    _, problems = check_values(rules, {"email": "x", "kind": "?"})
    assert set(problems) == {"name", "phone", "email", "kind"}


def test_a_number_sent_as_json_number_is_accepted(client: TestClient, db_engine: Engine) -> None:
    assert client.post(FORM, json={**GOOD, "people": 4}).status_code == 200
    assert stored(db_engine)[0].values["people"] == "4"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_a_400(client: TestClient, body: bytes) -> None:
    answer = client.post(FORM, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


def test_an_unknown_form_is_a_404(client: TestClient) -> None:
    answer = client.post("/forms/contact-2", json=GOOD)  # the form with its own endpoint has no id here
    assert answer.status_code == 404 and answer.json()["error"] == "unknown_form"


def test_the_h5_origin_gets_its_preflight_and_the_answer_header(client: TestClient) -> None:
    preflight = client.options(
        FORM,
        headers={
            "Origin": H5,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == H5
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"].lower() == "content-type"
    answer = client.post(FORM, json=GOOD, headers={"Origin": H5})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == H5
    refused = client.post(FORM, json={}, headers={"Origin": H5})
    assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == H5


def test_other_origins_get_no_cors_headers(client: TestClient) -> None:
    evil = "https://evil.example.com"
    preflight = client.options(FORM, headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    answer = client.post(FORM, json=GOOD, headers={"Origin": evil})
    assert "access-control-allow-origin" not in answer.headers
    assert (
        "access-control-allow-origin" not in client.post("/session", json={"code": "a"}, headers={"Origin": H5}).headers
    )


def test_values_are_not_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    client.post(FORM, json=GOOD)
    client.post(FORM, json={**GOOD, "phone": "19999999999x"})
    assert "13812345678" not in caplog.text and "19999999999x" not in caplog.text and "王小明" not in caplog.text


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://localhost:5173", "http://[::1]:8000"])
def test_a_development_server_accepts_pages_from_this_machine(client: TestClient, origin: str) -> None:
    preflight = client.options(FORM, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == origin


def test_a_real_server_accepts_only_the_h5_origin() -> None:
    from generator.build import load
    from generator.server.forms import allowed_origins

    spec = load(SHOP)[0].spec
    assert allowed_origins(spec).allow(H5) and not allowed_origins(spec).allow("http://127.0.0.1:8000")
    assert allowed_origins(spec, development=True).allow("http://127.0.0.1:8000")
    assert not allowed_origins(spec, development=True).allow("http://127.0.0.2.evil.com:8000")
