import base64
import json

import pytest
from pydantic import BaseModel

from shared.errors import InvalidParameterError, ProviderError, RequestError, RequestFailedError
from shared.fc.http import HttpRequest, HttpResponse, error_response, parse_event, render, route


def event(**overrides):
    data = {"version": "v1", "rawPath": "/a%20b", "headers": {"Content-Type": "application/json", "X-Y": "1"},
            "queryParameters": {"q": "1,2"}, "body": '{"a": 1}', "isBase64Encoded": False,
            "requestContext": {"requestId": "rid", "http": {"method": "post", "path": "/a b", "sourceIp": "1.2.3.4"}}}
    data.update(overrides)
    return json.dumps(data).encode()


def test_parse_reads_method_path_headers_query_and_body():
    request = parse_event(event())
    assert (request.method, request.path, request.source_ip, request.request_id) == ("POST", "/a b", "1.2.3.4", "rid")
    assert request.header("content-type") == "application/json" and request.header("x-y") == "1"
    assert request.query == {"q": "1,2"} and request.body == b'{"a": 1}'


def test_base64_body_is_decoded_and_bad_base64_is_a_400():
    assert parse_event(event(body=base64.b64encode(b"\x00\x01").decode(), isBase64Encoded=True)).body == b"\x00\x01"
    with pytest.raises(InvalidParameterError, match="base64"):
        parse_event(event(body="***", isBase64Encoded=True))


@pytest.mark.parametrize("raw", [b"nope", b"[]", b'{"body": "x"}'])
def test_non_http_events_are_46001(raw):
    with pytest.raises(InvalidParameterError, match="not an FC HTTP trigger event"):
        parse_event(raw)


@pytest.mark.parametrize(("overrides", "part"), [
    ({"headers": ["Content-Type", "application/json"]}, "headers"),
    ({"queryParameters": "a=1"}, "queryParameters"),
    ({"requestContext": {"requestId": "rid", "http": "POST /x"}}, "requestContext.http"),
])
def test_an_event_part_of_the_wrong_type_is_46001_naming_it(overrides, part):
    with pytest.raises(InvalidParameterError, match=f"{part} is not an object"):  # was an AttributeError: a 500
        parse_event(event(**overrides))


@pytest.mark.parametrize(("overrides", "part"), [
    ({"rawPath": "/\ud800", "requestContext": {"requestId": "r", "http": {"method": "GET", "path": "/\ud800"}}},
     "path"),
    ({"requestContext": {"requestId": "r", "http": {"method": "POST", "path": "/a", "sourceIp": "\udfff"}}},
     "sourceIp"),
    ({"headers": {"Content-Type": "text/\ud800"}}, "headers"),
    ({"queryParameters": {"q": "\ud800"}}, "queryParameters"),
    ({"body": '{"a": "\ud800"}'}, "body"),
])
def test_a_lone_surrogate_anywhere_in_the_event_is_46001_naming_the_part(overrides, part):
    """Python's JSON reader lets a lone surrogate in; nothing holding one can be answered or logged."""
    with pytest.raises(InvalidParameterError, match=f"the event's {part} is not valid Unicode"):
        parse_event(event(**overrides))


class Model(BaseModel):
    a: int
    items: list[int] = []


def request_with(body: bytes, content_type="application/json"):
    return HttpRequest("POST", "/", {"content-type": content_type}, {}, body)


def test_json_body_errors_name_the_field():
    with pytest.raises(InvalidParameterError, match=r"body\.items\[1\]"):
        request_with(b'{"a": 1, "items": [1, "x"]}').json(Model)
    assert request_with(b'{"a": 2}', "application/json; charset=utf-8").json(Model).a == 2


def test_size_and_content_type_limits():
    with pytest.raises(RequestError) as info:
        request_with(b"x" * 11).json(Model, max_bytes=10)
    assert info.value.http_status == 413
    with pytest.raises(RequestError) as info:
        request_with(b"{}", "text/plain").json(Model)
    assert info.value.http_status == 415


def test_route_answers_405_with_allow_and_404():
    routes = {("POST", "/m"): lambda r: HttpResponse(200, {})}
    assert route(HttpRequest("POST", "/m/", {}, {}, b""), routes).status == 200
    with pytest.raises(RequestError) as info:
        route(HttpRequest("GET", "/m", {}, {}, b""), routes)
    assert (info.value.http_status, info.value.headers) == (405, {"Allow": "POST"})
    with pytest.raises(RequestError) as info:
        route(HttpRequest("GET", "/x", {}, {}, b""), routes)
    assert info.value.http_status == 404


@pytest.mark.parametrize(("error", "status", "retry_after"), [
    (InvalidParameterError("bad"), 400, None),
    (ProviderError("x", provider_code="isv.X", request_id="r"), 502, None),
    (RequestFailedError("down", possibly_delivered=False), 503, "1"),
    (RequestFailedError("unknown"), 503, None),
    (RequestFailedError("lost", possibly_delivered=True), 503, None),
])
def test_errors_map_to_statuses(error, status, retry_after):
    answer = render(error_response(error), "rid")
    assert answer["statusCode"] == status
    assert answer["headers"].get("Retry-After") == retry_after
    assert json.loads(answer["body"])["error"]["code"] == error.code
    assert answer["headers"]["x-fc-request-id"] == "rid"
