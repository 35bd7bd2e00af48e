"""``crisis-screen serve`` against its contract: real servers on 127.0.0.1, a real HTTP client.

Each server is the command line itself (``python -m crisis_screen serve``) started as a
subprocess on a free port; requests go over loopback with httpx. Expected records come from
the library in this process (``screen_source`` is what ``scan`` writes; ``Screener.screen_*``
what the library returns), so a response must equal what the library gives for the same file.
"""

from __future__ import annotations

import base64
import http.server
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("python_multipart")
httpx = pytest.importorskip("httpx")

from crisis_screen import Screener  # noqa: E402
from crisis_screen.runs.records import ScanRecord  # noqa: E402
from crisis_screen.runs.screen import screen_source  # noqa: E402
from crisis_screen.runs.sources import MemorySource  # noqa: E402
from crisis_screen.service.webhook import sign  # noqa: E402
from test_batch_support import made_up_word  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "sample_resumes"
# A small skill of the tests' own: a lexicon not preloaded by the fork server, cheap to build.
FORKLIFT = Path(__file__).resolve().parent / "data" / "lexicons" / "forklift"
KEY = "test-key-0123456789abcdef"
SECRET = "webhook-secret-0123456789"
# Planted in request bodies: it must never come back in an error or reach the logs.
PRIVATE = "ZZPRIVATE-Jane-Roe-555-0100"


def _slow_text(first: int) -> str:
    """Seconds of real screening work: CIT lines full of words never seen before.

    Each test gets words of its own (from ``first`` on): a worker that has met a word corrects
    it from its caches, so the same text screened again is several times faster.
    """
    return "".join(
        "Responded with the CIT team "
        + " ".join(made_up_word(first + i * 80 + k) for k in range(80))
        + "\n"
        for i in range(300)
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """A ``crisis-screen serve`` subprocess, its base URL and its JSON-line log."""

    def __init__(self, log: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.ready = False
        cmd = [sys.executable, "-m", "crisis_screen", "serve", "--port", str(self.port), *args]
        with log.open("wb") as err:
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})}
            )

    def wait_ready(self, timeout: float = 120.0) -> list[tuple[int, str]]:
        """Poll /health until 200; return every (status, phase) seen."""
        seen: list[tuple[int, str]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                r = httpx.get(self.base + "/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            seen.append((r.status_code, r.json()["status"]))
            if r.status_code == 200:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"not ready in {timeout} s: {self.log.read_text()}")

    def client(self, key: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=120, **kw)

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _ready(service: Service) -> Service:
    if not service.ready:
        service.wait_ready()
        service.ready = True
    return service


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    """A plain HTTP file server on 127.0.0.1: the samples, a redirect, an oversized body."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(SAMPLES), **kw)

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path.startswith("/elsewhere"):
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{self.server.server_port}/x.txt")
                self.end_headers()
            elif self.path.startswith("/big"):
                self.send_response(200)
                self.send_header("Content-Length", str(5 * 1024 * 1024))
                self.end_headers()
                self.wfile.write(b"a" * (5 * 1024 * 1024))
            else:
                super().do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Service]]:
    """The module's servers, all started at once (each boots in seconds; they overlap).

    - main: two workers, an API key file, 1 MB files, URL input for 127.0.0.1 but no private
      addresses;
    - small: one worker and no queue (overload is one slow request away), URLs to 127.0.0.1;
    - lifecycle: one worker building its own screener (a lexicon given by path is not the fork
      server's preloaded one, so /health stays 503 for a while), the key from the environment,
      signed requests.
    """
    tmp = tmp_path_factory.mktemp("servers")
    (tmp / "key").write_text(KEY + "\n")
    (tmp / "secret").write_text(SECRET)
    started = {
        "lifecycle": Service(
            tmp / "lifecycle.jsonl",
            "--workers", "1", "--lexicon", str(FORKLIFT),
            "--signature-secret-file", str(tmp / "secret"),
            env={"CRISIS_SCREEN_API_KEY": KEY},
        ),
        "main": Service(
            tmp / "main.jsonl",
            "--workers", "2", "--api-key-file", str(tmp / "key"), "--max-file-mb", "1",
            "--url-host", "127.0.0.1", "--url-allow-http",
        ),
        "small": Service(
            tmp / "small.jsonl",
            "--workers", "1", "--queue", "0", "--max-file-mb", "4",
            "--url-host", "127.0.0.1", "--url-allow-http", "--url-allow-private",
        ),
    }  # fmt: skip
    try:
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.fixture(scope="module")
def main(servers: dict[str, Service]) -> Service:
    return _ready(servers["main"])


@pytest.fixture(scope="module")
def small(servers: dict[str, Service]) -> Service:
    return _ready(servers["small"])


@pytest.fixture(scope="module")
def lifecycle(servers: dict[str, Service]) -> Service:
    return servers["lifecycle"]


def _expected(
    screener: Screener, name: str, data: bytes, source: str | None = None
) -> dict[str, Any]:
    record = screen_source(screener, MemorySource(name, data))
    if source is not None:
        record = record.model_copy(update={"source": source})
    return record.model_dump(mode="json", exclude={"timings"})


def _record(payload: dict[str, Any]) -> dict[str, Any]:
    return ScanRecord.model_validate(payload).model_dump(mode="json", exclude={"timings"})


def _same_result(record: dict[str, Any], result: Any) -> None:
    """A record carries exactly the library's ScreenResult (score, flag, evidence, summary)."""
    expected = result.model_dump(mode="json")
    for field in ("score", "flagged", "threshold", "evidence", "summary", "skills", "versions"):
        assert record[field] == expected[field], field


# -- health, docs ---------------------------------------------------------------------------------


def test_importing_the_package_never_imports_the_web_framework() -> None:
    code = (
        "import sys, crisis_screen, crisis_screen.service, crisis_screen.cli, crisis_screen.runs\n"
        "from crisis_screen.service import webhook\n"
        "bad = [m for m in ('fastapi', 'starlette', 'uvicorn', 'python_multipart') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_health_is_503_while_the_workers_build_their_screener(lifecycle: Service) -> None:
    early = None
    deadline = time.monotonic() + 60
    while early is None and time.monotonic() < deadline:
        try:
            early = httpx.post(
                lifecycle.base + "/v1/screen", json={"text": "CIT"}, headers=_auth(KEY)
            )
        except httpx.TransportError:
            time.sleep(0.02)  # not listening yet
    seen = lifecycle.wait_ready()
    lifecycle.ready = True
    assert early is not None and early.status_code == 503, early
    assert early.headers["retry-after"] == "1"
    assert early.json()["error_type"] == "Unavailable"
    assert (503, "starting") in seen and seen[-1] == (200, "ok")


def test_health_answers_ok_with_versions_and_needs_no_key(
    main: Service, screener: Screener
) -> None:
    r = httpx.get(main.base + "/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["versions"] == screener.versions.model_dump()
    assert body["workers"] == 2 and body["capacity"] == 2 + 16
    assert r.headers["x-request-id"]


def test_openapi_documents_every_endpoint_and_model(main: Service) -> None:
    with main.client(KEY) as client:
        spec = client.get("/openapi.json").json()
        docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"/health", "/v1/screen", "/v1/screen/batch"} <= set(spec["paths"])
    single = spec["paths"]["/v1/screen"]["post"]
    assert set(single["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"200", "400", "401", "413", "422", "503"} <= set(single["responses"])
    schemas = spec["components"]["schemas"]
    for model in ("ScanRecord", "TextItem", "FileItem", "UrlItem", "BatchRequest", "Health"):
        assert model in schemas, model
    assert any(name.startswith("Problem") for name in schemas)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    refs = {v for v in _walk(spec) if isinstance(v, str) and v.startswith("#/components/")}
    assert refs and all(ref.rsplit("/", 1)[1] in schemas for ref in refs)


def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- results equal the library's --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "police_officer_cit.pdf",
        "sheriff_deputy_coresponder.docx",
        "crisis_line_counsellor.md",
        "campus_police_mhfa.html",
        "retail_manager_deescalation.rtf",
        "coresponder_clinician.json",
        "warehouse_safety_lead.doc",
    ],
)
def test_multipart_upload_gives_the_scan_record(
    main: Service, screener: Screener, name: str
) -> None:
    data = (SAMPLES / name).read_bytes()
    with main.client(KEY) as client:
        plain = client.post("/v1/screen", files={"file": (name, data)})
        labelled = client.post(
            "/v1/screen", files={"file": (name, data)}, data={"source": "cand-17"}
        )
    assert plain.status_code == 200, plain.text
    assert _record(plain.json()) == _expected(screener, name, data)
    _same_result(plain.json(), screener.screen_bytes(data, name))
    assert labelled.status_code == 200
    assert _record(labelled.json()) == _expected(screener, name, data, source="cand-17")


def test_base64_batch_of_every_sample_gives_the_scan_records_in_order(
    main: Service, screener: Screener
) -> None:
    paths = sorted(SAMPLES.iterdir())
    items = [
        {"filename": p.name, "data": base64.b64encode(p.read_bytes()).decode(), "source": f"s{i}"}
        for i, p in enumerate(paths)
    ]
    with main.client(KEY) as client:
        r = client.post("/v1/screen/batch", json={"items": items})
    assert r.status_code == 200
    records = r.json()["records"]
    assert [rec["source"] for rec in records] == [f"s{i}" for i in range(len(paths))]
    for i, (path, record) in enumerate(zip(paths, records, strict=True)):
        assert _record(record) == _expected(screener, path.name, path.read_bytes(), f"s{i}")


def test_json_text_gives_screen_text(main: Service, screener: Screener) -> None:
    texts = [
        (SAMPLES / "dispatcher_911.txt").read_text(encoding="utf-8"),
        "Completed 40-hour CIT training and responded to over 200 crisis calls",
        "Barista\nLatte art",
        "<p>Co-responder</p> with the mobile crisis team",  # text stays text, never HTML
    ]
    with main.client(KEY) as client:
        for text in texts:
            labelled = client.post("/v1/screen", json={"text": text, "source": "cv-9"})
            plain = client.post("/v1/screen", json={"text": text})
            assert labelled.status_code == plain.status_code == 200
            assert labelled.json()["source"] == "cv-9" and labelled.json()["format"] == "text"
            _same_result(labelled.json(), screener.screen_text(text, source="cv-9"))
            assert plain.json()["source"] == "<text>"
            _same_result(plain.json(), screener.screen_text(text))


def test_json_media_types_with_parameters_or_suffixes_are_json(main: Service) -> None:
    # JSON screening requests take the front door's direct path: every JSON media type must
    # reach it and answer as plain application/json does, with the request logged in full.
    body = json.dumps({"text": "Answered crisis calls as a CIT-trained deputy", "source": "s"})
    medias = ("application/json", "Application/JSON; charset=utf-8", "text/x+json")
    records = []
    with main.client(KEY) as client:
        for k, media in enumerate(medias):
            headers = {"content-type": media, "x-request-id": f"media-{k}"}
            r = client.post("/v1/screen", content=body, headers=headers)
            assert r.status_code == 200, (media, r.text)
            records.append({k: v for k, v in r.json().items() if k != "timings"})
        wrong = client.post("/v1/screen", content=body, headers={"content-type": "text/plain"})
    assert records[0]["score"] > 0 and records[0] == records[1] == records[2]
    assert wrong.status_code == 415 and wrong.json()["error_type"] == "UnsupportedMediaType"
    time.sleep(0.2)
    logged = {line.get("request_id"): line for line in main.log_lines()}
    for k in range(len(medias)):
        line = logged[f"media-{k}"]
        assert (line["endpoint"], line["status"], line["items"], line["errors"]) == (
            "/v1/screen",
            200,
            1,
            0,
        )


def _corpus() -> Any:
    """The benchmarks' resume generator (a file of the repository, not a package)."""
    path = SAMPLES.parent / "benchmarks" / "corpus.py"
    spec = importlib.util.spec_from_file_location("_service_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def test_batch_of_texts_gives_screen_many(main: Service, screener: Screener) -> None:
    texts = _corpus().generate_corpus(40, seed=11)
    with main.client(KEY) as client:
        r = client.post("/v1/screen/batch", json={"items": [{"text": t} for t in texts]})
    records = r.json()["records"]
    expected = list(screener.screen_many(texts))
    assert [rec["source"] for rec in records] == [res.source for res in expected]
    for record, result in zip(records, expected, strict=True):
        _same_result(record, result)
    assert any(rec["flagged"] for rec in records) and not all(rec["flagged"] for rec in records)


# -- bad input ----------------------------------------------------------------------------------------


def test_batch_keeps_order_and_answers_bad_items_with_error_records(main: Service) -> None:
    items: list[Any] = [
        {"text": "CIT officer", "source": "good"},
        {"filename": "a.pdf", "data": "@@" + PRIVATE},
        {"data": "QUJD"},
        {"text": "x", "data": "QUJD"},
        "not an object",
        {"filename": "blob.bin", "data": base64.b64encode(os.urandom(256)).decode()},
        {"filename": "empty.txt", "data": ""},
        {"text": PRIVATE * 2, "source": 5},
        {"text": "crisis intervention"},
    ]
    with main.client(KEY) as client:
        r = client.post("/v1/screen/batch", json={"items": items})
    assert r.status_code == 200
    records = r.json()["records"]
    assert [rec["status"] for rec in records] == ["ok"] + ["error"] * 7 + ["ok"]
    assert [rec["error_type"] for rec in records[1:8]] == [
        "InvalidInputError",
        "InvalidInputError",
        "InvalidInputError",
        "InvalidInputError",
        "UnsupportedFormatError",
        "EmptyDocumentError",
        "InvalidInputError",
    ]
    assert records[1]["error"] == "items[1]: data is not valid base64"
    assert records[2]["error"] == "items[2]: filename: Field required"
    assert records[8]["source"] == "<text 9>"
    assert PRIVATE not in r.text
    assert all("\n" not in rec["error"] for rec in records if rec["error"])


@pytest.mark.parametrize(
    "content, headers, status, error_type",
    [
        (b'{"text": "' + PRIVATE.encode() + b'"', {}, 400, "InvalidInputError"),  # truncated JSON
        (b"", {}, 400, "InvalidInputError"),
        (b"[1, 2]", {}, 400, "InvalidInputError"),
        (b'{"source": "x"}', {}, 400, "InvalidInputError"),
        (b'{"text": 5}', {}, 400, "InvalidInputError"),
        (b'{"text": "a", "colour": "' + PRIVATE.encode() + b'"}', {}, 400, "InvalidInputError"),
        (
            b'{"filename": "cv.pdf", "data": "' + PRIVATE.encode() + b'"}',
            {},
            400,
            "InvalidInputError",
        ),
        (b'{"url": "https://example.com/cv.pdf?sig=1"}', {}, 400, None),  # allowed host only
        (b"text=" + PRIVATE.encode(), {"content-type": "text/plain"}, 415, "UnsupportedMediaType"),
        (b"--xx\r\nbroken", {"content-type": "multipart/form-data; boundary=xx"}, 400, None),
        (
            b'--xx\r\nContent-Disposition: form-data; name="source"\r\n\r\ncv\r\n--xx--\r\n',
            {"content-type": "multipart/form-data; boundary=xx"},
            400,
            "InvalidInputError",
        ),
    ],
)
def test_bad_single_requests_answer_400_with_a_clear_reason(
    main: Service, content: bytes, headers: dict[str, str], status: int, error_type: str | None
) -> None:
    with main.client(KEY) as client:
        r = client.post(
            "/v1/screen", content=content, headers={"content-type": "application/json", **headers}
        )
    if b"example.com" in content:
        # URL input is on for 127.0.0.1 only: another host is refused as unreadable input.
        assert r.status_code == 422 and r.json()["error_type"] == "FetchRefusedError"
        assert "sig=1" not in r.text
        return
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == "error" and body["error"] and body["request_id"]
    if error_type is not None:
        assert body["error_type"] == error_type
    assert PRIVATE not in r.text


def test_bad_batches_and_routes_answer_4xx(main: Service) -> None:
    with main.client(KEY) as client:
        too_many = client.post("/v1/screen/batch", json={"items": [{"text": "a"}] * 101})
        not_items = client.post("/v1/screen/batch", json={"records": []})
        not_json = client.post("/v1/screen/batch", content=b"{", headers=_json())
        multipart = client.post("/v1/screen/batch", files={"file": ("a.txt", b"CIT")})
        missing = client.get("/v1/nothing")
        wrong_method = client.get("/v1/screen")
    assert too_many.status_code == 400 and "at most 100 items" in too_many.json()["error"]
    assert not_items.status_code == not_json.status_code == 400
    assert multipart.status_code == 415
    assert missing.status_code == 404 and missing.json()["error_type"] == "NotFound"
    assert wrong_method.status_code == 405


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


def test_unreadable_files_answer_422_with_their_error_record(main: Service) -> None:
    cases = {
        "blob.bin": (os.urandom(512), "UnsupportedFormatError"),
        "empty.txt": (b"", "EmptyDocumentError"),
        "cut.pdf": ((SAMPLES / "police_officer_cit.pdf").read_bytes()[:700], None),
    }
    with main.client(KEY) as client:
        for name, (data, error_type) in cases.items():
            r = client.post("/v1/screen", files={"file": (name, data)})
            assert r.status_code == 422, (name, r.text)
            record = ScanRecord.model_validate(r.json())
            assert record.status == "error" and record.source == name and record.error
            assert error_type is None or record.error_type == error_type
            assert "\n" not in record.error


def test_bodies_over_the_size_limit_answer_413(main: Service) -> None:
    big = b"CIT officer\n" * 110_000  # 1.3 MB: over the 1 MB file limit
    with main.client(KEY) as client:
        upload = client.post("/v1/screen", files={"file": ("big.txt", big)})
        text = client.post("/v1/screen", json={"text": big.decode()})
        encoded = client.post(
            "/v1/screen", json={"filename": "big.txt", "data": base64.b64encode(big).decode()}
        )
        chunked = client.post(
            "/v1/screen", content=iter([b'{"text": "', big * 2, b'"}']), headers=_json()
        )
        in_batch = client.post(
            "/v1/screen/batch",
            json={"items": [{"text": big.decode()[:1_100_000]}, {"text": "CIT"}]},
        )
    for r in (upload, text, encoded, chunked):
        assert r.status_code == 413, r.text[:200]
        assert r.json()["error_type"] == "PayloadTooLarge"
    assert in_batch.status_code == 200
    first, second = in_batch.json()["records"]
    assert first["error_type"] == "LimitExceededError" and second["status"] == "ok"


# -- auth ---------------------------------------------------------------------------------------------


def test_every_route_but_health_needs_the_bearer_key(main: Service) -> None:
    for path, method in (
        ("/v1/screen", "POST"),
        ("/v1/screen/batch", "POST"),
        ("/openapi.json", "GET"),
        ("/docs", "GET"),
    ):
        for headers in (
            {},
            _auth("wrong-key-0123456789"),
            {"Authorization": f"Basic {KEY}"},
            {"Authorization": KEY},
        ):
            r = httpx.request(method, main.base + path, headers=headers, json={"text": "CIT"})
            assert r.status_code == 401, (path, headers)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["error_type"] == "Unauthorized"
    assert httpx.get(main.base + "/health").status_code == 200
    ok = httpx.post(main.base + "/v1/screen", json={"text": "CIT"}, headers=_auth(KEY))
    assert ok.status_code == 200


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {**_json(), **_auth(KEY), "X-Signature": sign(body, secret.encode())}


def test_signed_requests_are_checked_before_screening(lifecycle: Service) -> None:
    _ready(lifecycle)
    body = json.dumps({"text": "Completed CIT training", "source": "cv-3"}).encode()
    with lifecycle.client() as client:
        no_key = client.post(
            "/v1/screen", content=body, headers=_signed(body) | {"Authorization": ""}
        )
        unsigned = client.post("/v1/screen", content=body, headers={**_json(), **_auth(KEY)})
        forged = client.post("/v1/screen", content=body, headers=_signed(body, "other-secret-xyz"))
        tampered = client.post("/v1/screen", content=body + b" ", headers=_signed(body))
        signed = client.post("/v1/screen", content=body, headers=_signed(body))
    assert no_key.status_code == 401 and no_key.json()["error_type"] == "Unauthorized"
    for r in (unsigned, forged, tampered):
        assert r.status_code == 401 and r.json()["error_type"] == "BadSignature"
    assert signed.status_code == 200 and signed.json()["source"] == "cv-3"


# -- URL input ----------------------------------------------------------------------------------------


def test_url_input_fetches_from_an_allowed_host(
    small: Service, files: str, screener: Screener
) -> None:
    name = "sheriff_deputy_coresponder.docx"
    with small.client() as client:
        r = client.post("/v1/screen", json={"url": f"{files}/{name}?token={PRIVATE}"})
        labelled = client.post("/v1/screen", json={"url": f"{files}/{name}", "source": "att-1"})
        big = client.post("/v1/screen", json={"url": f"{files}/big"})
        missing = client.post("/v1/screen", json={"url": f"{files}/nothing.pdf"})
        other_host = client.post(
            "/v1/screen", json={"url": f"{files.replace('127.0.0.1', 'localhost')}/{name}"}
        )
        redirected = client.post("/v1/screen", json={"url": f"{files}/elsewhere"})
        batch = client.post(
            "/v1/screen/batch", json={"items": [{"url": f"{files}/{name}"}, {"text": "CIT"}]}
        )
    assert r.status_code == 200
    data = (SAMPLES / name).read_bytes()
    assert _record(r.json()) == _expected(screener, name, data, source=f"{files}/{name}")
    assert labelled.json()["source"] == "att-1"
    assert big.status_code == 422 and big.json()["error_type"] == "LimitExceededError"
    assert missing.status_code == 422 and "HTTP 404" in missing.json()["error"]
    for refused in (other_host, redirected):
        assert refused.status_code == 422
        assert refused.json()["error_type"] == "FetchRefusedError"
        assert "allow-list" in refused.json()["error"]
    assert [rec["status"] for rec in batch.json()["records"]] == ["ok", "ok"]
    assert PRIVATE not in small.log.read_text()


def test_url_input_refuses_loopback_unless_allowed(main: Service, files: str) -> None:
    with main.client(KEY) as client:
        r = client.post("/v1/screen", json={"url": f"{files}/police_officer_cit.pdf"})
    assert r.status_code == 422
    assert r.json()["error_type"] == "FetchRefusedError"
    assert "private, loopback" in r.json()["error"]


# -- overload, crash, drain -----------------------------------------------------------------------------


def _in_background(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        out["response"] = fn()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _wait_in_flight(service: Service, n: int) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(service.base + "/health").json()["in_flight"] < n:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_overload_answers_503_with_retry_after_instead_of_queueing(small: Service) -> None:
    thread, out = _in_background(
        lambda: httpx.post(small.base + "/v1/screen", json={"text": _slow_text(0)}, timeout=120)
    )
    _wait_in_flight(small, 1)  # the only worker is busy and the queue holds nothing more
    refused = httpx.post(small.base + "/v1/screen", json={"text": "CIT officer"})
    refused_batch = httpx.post(small.base + "/v1/screen/batch", json={"items": [{"text": "CIT"}]})
    thread.join()
    assert refused.status_code == refused_batch.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error_type"] == "Overloaded"
    assert out["response"].status_code == 200
    assert httpx.post(small.base + "/v1/screen", json={"text": "CIT officer"}).status_code == 200


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(c) for c in handle.read().split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_worker_is_replaced_and_its_request_still_answered(
    small: Service, screener: Screener
) -> None:
    forkserver = [
        p
        for p in _children(small.proc.pid)
        if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    slow = _slow_text(100_000)
    thread, out = _in_background(
        lambda: httpx.post(
            small.base + "/v1/screen", json={"text": slow, "source": "slow"}, timeout=120
        )
    )
    _wait_in_flight(small, 1)
    time.sleep(0.2)  # the chunk is in the worker now
    (worker,) = _children(forkserver[0])
    os.kill(worker, signal.SIGKILL)
    thread.join()
    assert out["response"].status_code == 200
    assert out["response"].json()["score"] == screener.screen_text(slow).score
    deadline = time.monotonic() + 10
    while _children(forkserver[0]) == [worker] and time.monotonic() < deadline:
        time.sleep(0.05)  # the fork server reaps the dead worker
    assert worker not in _children(forkserver[0])
    assert httpx.post(small.base + "/v1/screen", json={"text": "CIT officer"}).status_code == 200


# -- logs ---------------------------------------------------------------------------------------------------


def test_logs_are_json_lines_without_resume_text_or_file_names(main: Service) -> None:
    secret_name = f"{PRIVATE}.txt"
    with main.client(KEY) as client:
        client.post("/v1/screen", files={"file": (secret_name, f"{PRIVATE}\nCIT officer".encode())})
        client.post(
            "/v1/screen", json={"text": f"{PRIVATE} CIT"}, headers={"X-Request-ID": "req-42"}
        )
        client.post("/v1/screen/batch", json={"items": [{"text": PRIVATE}, {"data": PRIVATE}]})
        client.get(f"/v1/{PRIVATE}")
    time.sleep(0.2)
    text = main.log.read_text()
    assert PRIVATE not in text
    lines = main.log_lines()  # every line is JSON
    requests = [line for line in lines if line["event"] == "request"]
    tagged = [line for line in requests if line["request_id"] == "req-42"]
    assert tagged and tagged[0]["endpoint"] == "/v1/screen" and tagged[0]["status"] == 200
    for line in requests:
        assert {"request_id", "method", "endpoint", "status", "ms", "bytes_in", "bytes_out"} <= set(
            line
        )
    batch = [line for line in requests if line["endpoint"] == "/v1/screen/batch"][-1]
    assert batch["items"] == 2 and batch["errors"] == 1
    assert any(line["endpoint"] == "<other>" for line in requests)
    assert any(line["event"] == "ready" for line in lines)


def test_sigterm_drains_requests_in_flight_then_exits(small: Service) -> None:
    # Last test of the module: it stops the small server.
    thread, out = _in_background(
        lambda: httpx.post(
            small.base + "/v1/screen", json={"text": _slow_text(200_000)}, timeout=120
        )
    )
    _wait_in_flight(small, 1)
    small.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    health = httpx.get(small.base + "/health")
    refused = httpx.post(small.base + "/v1/screen", json={"text": "CIT"})
    thread.join()
    small.proc.wait(timeout=60)
    assert health.status_code == 503 and health.json()["status"] == "draining"
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert out["response"].status_code == 200 and out["response"].json()["status"] == "ok"
    assert small.proc.returncode == 0
    events = [line["event"] for line in small.log_lines()]
    assert events.index("draining") < events.index("drained")
    with pytest.raises(httpx.TransportError):
        httpx.get(small.base + "/health")
