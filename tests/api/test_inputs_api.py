import copy
import gzip

import orjson
from fastapi.testclient import TestClient

from tests.conftest import AGREEMENT, SENSORS_CSV, detection

API = "/api/v1"


def _sensors(client: TestClient) -> None:
    r = client.post(f"{API}/sensors", content=SENSORS_CSV, headers={"content-type": "text/csv"})
    assert r.status_code == 201, r.text


def test_batch_ndjson_then_paging(client: TestClient) -> None:
    _sensors(client)
    body = b"\n".join(orjson.dumps(detection(i)) for i in range(12))
    r = client.post(
        f"{API}/detections", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert r.status_code == 201 and r.json()["inserted"] == 12
    r = client.post(f"{API}/detections", content=body)
    assert r.status_code == 200 and r.json()["unchanged"] == 12
    ids, url = [], f"{API}/detections?limit=5"
    while url:
        page = client.get(url).json()
        ids += [i["id"] for i in page["items"]]
        url = f"{API}/detections?limit=5&cursor={page['next']}" if page["next"] else None
    assert ids == [f"d-{i:06d}" for i in range(12)]
    assert client.get(f"{API}/detections/d-000003").json()["id"] == "d-000003"


def test_gzip_json_array_and_time_filter(client: TestClient) -> None:
    _sensors(client)
    body = gzip.compress(orjson.dumps([detection(i) for i in range(3)]))
    r = client.post(
        f"{API}/detections",
        content=body,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert r.status_code == 201
    got = client.get(f"{API}/detections", params={"from": "2026-03-02T04:00:01Z"}).json()
    assert [i["id"] for i in got["items"]] == ["d-000001", "d-000002"]


def test_bad_records_are_problem_json_naming_line_and_field(client: TestClient) -> None:
    _sensors(client)
    body = orjson.dumps(detection(1)) + b"\n" + orjson.dumps(detection(2, time="noon"))
    r = client.post(f"{API}/detections", content=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and "nothing was written" in problem["detail"]
    assert problem["problems"][0]["line"] == 2 and problem["problems"][0]["field"] == "time"
    assert client.get(f"{API}/detections").json()["items"] == []
    # skip mode keeps the good one
    r = client.post(f"{API}/detections?mode=skip", content=body)
    assert r.status_code == 201 and r.json()["inserted"] == 1 and r.json()["rejected"] == 1


def test_conflict_is_409(client: TestClient) -> None:
    _sensors(client)
    client.post(f"{API}/detections", content=orjson.dumps([detection(1)]))
    r = client.post(f"{API}/detections", content=orjson.dumps([detection(1, weapon="mortar")]))
    assert r.status_code == 409 and r.json()["problems"][0]["record"] == 1


def test_bad_parameters_are_400(client: TestClient) -> None:
    for query in ("bbox=1,2", "from=yesterday", "cursor=garbage", "limit=0"):
        r = client.get(f"{API}/detections?{query}")
        assert r.status_code == 400, query
        assert r.headers["content-type"] == "application/problem+json"


def test_not_found_and_bad_gzip(client: TestClient) -> None:
    assert client.get(f"{API}/detections/nope").status_code == 404
    r = client.post(f"{API}/detections", content=b"not gzip", headers={"content-encoding": "gzip"})
    assert r.status_code == 400


def test_agreement_load_show_where(client: TestClient) -> None:
    r = client.post(f"{API}/agreements", json=AGREEMENT)
    assert r.status_code == 201
    assert client.post(f"{API}/agreements", json=AGREEMENT).status_code == 200
    summary = client.get(f"{API}/agreements/example-2026").json()
    assert summary["features"]["control_area"] == 2
    where = client.get(
        f"{API}/agreements/example-2026/where", params={"lat": 48.31, "lon": 37.80}
    ).json()
    assert where["side"] in ("A", "B")
    assert where["disengagement_areas"] == ["Zolote-like"]
    assert where["distance_to_contact_line_m"] < 2000
    bad = copy.deepcopy(AGREEMENT)
    bad["features"][1]["properties"]["side"] = "Z"
    r = client.post(f"{API}/agreements", json=bad)
    assert r.status_code == 422 and r.json()["problems"][0]["feature"] == 1


def test_a_version_beyond_the_stored_integers_is_a_bad_request(client: TestClient) -> None:
    """Found by the schema fuzzing: a version past 64 bits reached SQLite and failed with
    a server error; versions are 32-bit integers in both stores."""
    assert client.post(f"{API}/agreements", json=AGREEMENT).status_code == 201
    for version in (2**31, 2**64, 10**30):
        r = client.get(f"{API}/agreements/example-2026", params={"version": version})
        assert r.status_code in (400, 422), version
        assert r.headers["content-type"] == "application/problem+json"
    assert client.get(f"{API}/agreements/example-2026", params={"version": 2**31 - 1}
                      ).status_code == 404  # fmt: skip


def test_sensor_status_spans(client: TestClient) -> None:
    _sensors(client)
    span = {
        "status": "non_operational",
        "from": "2026-03-02T01:00:00Z",
        "to": "2026-03-02T05:00:00Z",
        "reason": "power",
    }
    assert client.post(f"{API}/sensors/AC-0001/status", json=span).status_code == 201
    spans = client.get(f"{API}/sensors/AC-0001/status").json()["items"]
    assert spans[0]["status"] == "non_operational"
    listed = client.get(f"{API}/sensors", params={"at": "2026-03-02T02:00:00Z"}).json()["items"]
    status = {s["id"]: s["status"] for s in listed}
    assert status == {
        "AA-0002": "operational",
        "AC-0001": "non_operational",
        "SE-0003": "operational",
    }
    assert client.post(f"{API}/sensors/XX/status", json=span).status_code == 404
