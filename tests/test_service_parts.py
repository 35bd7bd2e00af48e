"""The HTTP service's parts that need no web framework: request parsing, the URL guard,
webhook signatures, API keys, work items, and the ``serve`` command's usage errors.

The server itself is tested end to end in ``test_service.py``.
"""

from __future__ import annotations

import base64
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crisis_screen import Screener
from crisis_screen.cli import cli
from crisis_screen.errors import (
    CrisisScreenError,
    ExtractionError,
    FetchRefusedError,
    InvalidInputError,
    LimitExceededError,
)
from crisis_screen.extract.limits import ExtractionLimits
from crisis_screen.runs.screen import screen_source
from crisis_screen.runs.sources import MemorySource
from crisis_screen.service.auth import API_KEY_ENV, authorized, resolve_api_key
from crisis_screen.service.fetch import UrlPolicy, address_allowed, fetch_url, host_allowed
from crisis_screen.service.items import parse_batch, parse_item, parse_json, plan_upload, url_label
from crisis_screen.service.limits import body_limit, declared_length
from crisis_screen.service.webhook import sign, verify_signature
from crisis_screen.service.worker import WorkItem, screen_item, screen_texts
from test_batch_screening import slow_text

SAMPLES = Path(__file__).resolve().parent.parent / "sample_resumes"
MB = 1024 * 1024

# -- webhook signatures ---------------------------------------------------------------------------

BODY = b'{"text": "CIT officer", "source": "cv-1"}'
SECRET = b"shared-secret-0123"
HEX = sign(BODY, SECRET).removeprefix("sha256=")


@pytest.mark.parametrize(
    "signature, valid",
    [
        (f"sha256={HEX}", True),
        (f"sha256 {HEX}", True),  # Greenhouse's form
        (HEX, True),
        (HEX.upper(), True),
        (f"  sha256={HEX}  ", True),
        (f"sha256={HEX[:-1]}0" if HEX[-1] != "0" else f"sha256={HEX[:-1]}1", False),
        (f"sha1={HEX}", False),
        (f"sha256={HEX}00", False),
        ("", False),
        (None, False),
        ("sha256=not-hex", False),
    ],
)
def test_webhook_signatures_are_hmac_sha256_of_the_body(signature: str | None, valid: bool) -> None:
    assert verify_signature(BODY, signature, SECRET) is valid


def test_a_signature_binds_the_body_and_the_secret() -> None:
    signature = sign(BODY, SECRET)
    assert verify_signature(BODY, signature, SECRET)
    assert not verify_signature(BODY + b" ", signature, SECRET)
    assert not verify_signature(BODY, signature, b"another-secret-99")
    assert not verify_signature(BODY, signature, b"")


# -- API keys -----------------------------------------------------------------------------------------


def test_the_api_key_comes_from_the_file_then_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("  file-key-0123456789abcdef\n")
    env = {API_KEY_ENV: "env-key-0123456789abcdef"}
    assert resolve_api_key(str(key_file), env) == "file-key-0123456789abcdef"
    assert resolve_api_key(None, env) == "env-key-0123456789abcdef"
    assert resolve_api_key(None, {}) is None
    for bad in ("short", "has a space 0123456789"):
        with pytest.raises(CrisisScreenError, match="at least 16 characters"):
            resolve_api_key(None, {API_KEY_ENV: bad})
    key_file.write_text("\n")
    with pytest.raises(CrisisScreenError, match="API key"):
        resolve_api_key(str(key_file), env)


@pytest.mark.parametrize(
    "header, ok",
    [
        (b"Bearer key-0123456789abcdef", True),
        (b"bearer key-0123456789abcdef", True),
        (b"Bearer key-0123456789abcdeg", False),
        (b"Bearer key-0123456789abcde", False),
        (b"Basic key-0123456789abcdef", False),
        (b"key-0123456789abcdef", False),
        (b"", False),
        (None, False),
    ],
)
def test_the_bearer_check(header: bytes | None, ok: bool) -> None:
    assert authorized(header, b"key-0123456789abcdef") is ok


# -- request items ----------------------------------------------------------------------------------

PRIVATE = "Jane Roe, 555-0100"


@pytest.mark.parametrize(
    "obj, reason",
    [
        ("text", "body is not an object"),
        ({}, "needs exactly one of"),
        ({"text": "a", "url": "https://x"}, "needs exactly one of"),
        ({"text": 5}, "text: Input should be a valid string"),
        ({"text": "a", "extra": PRIVATE}, "extra: Extra inputs are not permitted"),
        ({"data": "QUJD"}, "filename: Field required"),
        ({"filename": "cv.pdf", "data": PRIVATE}, "data is not valid base64"),
        ({"filename": "", "data": "QUJD"}, "filename: String should have at least 1 character"),
        ({"text": "a", "source": "s" * 1025}, "source: String should have at most 1024"),
        ({"text": "\ud800"}, "text is not valid UTF-8"),
        ({"url": "https://ats.example/cv.pdf"}, "url input is not enabled here"),
    ],
)
def test_bad_items_get_a_reason_that_names_the_field_and_never_the_value(
    obj: Any, reason: str
) -> None:
    plan = parse_item(obj, None, MB, urls=False)
    assert plan.work is None and isinstance(plan.error, InvalidInputError)
    assert reason in plan.error.reason
    assert PRIVATE not in plan.error.reason


def test_items_become_work_for_the_workers() -> None:
    text = parse_item({"text": "CIT officer"}, None, MB, urls=False)
    assert text.work == WorkItem("<text>", text="CIT officer") and text.label == "<text>"
    assert parse_item({"text": "CIT"}, 4, MB, urls=False).label == "<text 5>"
    wrapped = base64.encodebytes(b"CIT officer\n" * 20).decode()  # with line breaks
    file = parse_item({"filename": "cv.txt", "data": wrapped, "source": "c-1"}, 0, MB, urls=False)
    assert file.work == WorkItem("c-1", data=b"CIT officer\n" * 20, filename="cv.txt")
    url = parse_item({"url": "https://ats.example/a/cv.pdf?sig=SECRET#p"}, None, MB, urls=True)
    assert url.url and url.label == "https://ats.example/a/cv.pdf"


def test_size_limits_of_items() -> None:
    big = parse_item({"text": "é" * 600}, None, 1000, urls=False)  # 1,200 bytes of UTF-8
    assert isinstance(big.error, LimitExceededError)
    assert big.error.reason == "file is 1200 bytes, more than 1000"
    encoded = base64.b64encode(b"a" * 1001).decode()
    over = parse_item({"filename": "a.txt", "data": encoded}, None, 1000, urls=False)
    assert isinstance(over.error, LimitExceededError)
    far_over = parse_item({"filename": "a.txt", "data": "A" * 8000}, None, 1000, urls=False)
    assert isinstance(far_over.error, LimitExceededError)  # refused before decoding
    assert plan_upload(b"a" * 1001, "cv.txt", None, 1000).error is not None
    assert body_limit(3 * MB) == 4 * MB + 64 * 1024


def test_bad_bodies_are_refused_whole() -> None:
    for body in (b"", b"  ", b"{", b'{"text": "' + PRIVATE.encode()):
        with pytest.raises(InvalidInputError) as info:
            parse_json(body)
        assert PRIVATE not in str(info.value)
    for obj, reason in (
        ([], "must be an object"),
        ({"items": {}}, "must be an object"),
        ({"items": [], "more": 1}, "unknown field(s) in the body: more"),
        ({"items": [{"text": "a"}] * 101}, "at most 100 items, got 101"),
    ):
        with pytest.raises(InvalidInputError, match=reason.replace("(", r"\(").replace(")", r"\)")):
            parse_batch(obj, MB, urls=False)
    plans = parse_batch({"items": [{"text": "a"}, 7, {"data": "x"}]}, MB, urls=False)
    assert [p.error is None for p in plans] == [True, False, False]
    assert [p.label for p in plans] == ["<text 1>", "<item 2>", "<item 3>"]


def test_uploads_are_named_by_their_base_name() -> None:
    assert plan_upload(b"x", "C:\\Users\\jr\\cv.pdf", None, MB).label == "cv.pdf"
    assert plan_upload(b"x", "../../cv.md", None, MB).work == WorkItem(
        "cv.md", data=b"x", filename="cv.md"
    )
    assert plan_upload(b"x", None, "cand-3", MB).label == "cand-3"
    assert url_label("https://h.example:8443/p/cv.pdf?X-Amz-Signature=abc") == (
        "https://h.example:8443/p/cv.pdf"
    )
    assert declared_length([(b"content-length", b"12")]) == 12
    assert declared_length([(b"content-length", b"-1")]) is None
    assert declared_length([]) is None


# -- work items in a worker ----------------------------------------------------------------------------


def test_work_items_give_the_scan_record(screener: Screener) -> None:
    limits = ExtractionLimits()
    name = "crisis_line_counsellor.md"
    data = (SAMPLES / name).read_bytes()
    record = screen_item(screener, WorkItem("cand-1", data=data, filename=name), limits)
    expected = screen_source(screener, MemorySource(name, data))
    assert record.source == "cand-1" and record.format == "markdown"
    skip = {"timings", "source"}
    assert record.model_dump(exclude=skip) == expected.model_dump(exclude=skip)
    text = "Completed 40-hour CIT training"
    result = screener.screen_text(text, source="cv-2")
    from_text = screen_item(screener, WorkItem("cv-2", text=text), limits)
    assert from_text.score == result.score and from_text.evidence == result.evidence
    tiny = ExtractionLimits(max_chars=10)
    over = screen_item(screener, WorkItem("cv-3", text=text), tiny)
    assert (
        over.error_type == "LimitExceededError" and over.error == "text is more than 10 characters"
    )


def test_a_chunk_screens_its_texts_together_with_the_records_of_one_at_a_time(
    screener: Screener,
) -> None:
    limits = ExtractionLimits(max_chars=400)
    name = "crisis_line_counsellor.md"
    items = [
        WorkItem("a", text="Completed 40-hour CIT training; de-escalated people in crisis."),
        WorkItem("b", data=(SAMPLES / name).read_bytes(), filename=name),
        WorkItem("c", text="Dental assistant: sterilised instruments and booked patients."),
        WorkItem("d", text="x" * 401),  # over the limit: an error record in its place
        WorkItem("e", text="Ran 5150 holds with the mobile crisis team for suicidal callers."),
    ]
    together = screen_texts(screener, items, limits)
    alone = [screen_item(screener, item, limits) for item in items]
    assert [r.source for r in together] == ["a", "b", "c", "d", "e"]
    skip = {"timings"}
    assert [r.model_dump(exclude=skip) for r in together] == [
        r.model_dump(exclude=skip) for r in alone
    ]
    assert together[3].error_type == "LimitExceededError"
    assert together[0].flagged and not together[2].flagged


def test_texts_sent_as_text_have_the_per_file_time_limit(screener: Screener) -> None:
    limits = ExtractionLimits(time_limit=0.2)
    items = [
        WorkItem("ok", text="Completed 40-hour CIT training"),
        WorkItem("slow", text=slow_text(150, first=60_000_000)),
    ]
    records = screen_texts(screener, items, limits)
    assert [(r.source, r.status) for r in records] == [("ok", "ok"), ("slow", "error")]
    assert records[1].error_type == "TimeLimitExceededError"
    assert records[1].error == "screening ran past the time limit 0.2 s"
    assert records[0].flagged


class _FailsOnMarker(Screener):
    """A real screener that fails on one resume, as a screening bug would."""

    def screen_document(self, document: Any, *, time_limit: float | None = None) -> Any:
        if "MARKER" in document.text:
            raise RuntimeError("a bug in screening")
        return super().screen_document(document, time_limit=time_limit)

    def screen_documents(self, documents: Any, *, time_limit: float | None = None) -> Any:
        documents = list(documents)
        if any("MARKER" in d.text for d in documents):
            raise RuntimeError("a bug in screening")
        return super().screen_documents(documents, time_limit=time_limit)


def test_a_failing_batch_gives_an_error_record_to_the_failing_text_only() -> None:
    screener = _FailsOnMarker()
    items = [
        WorkItem("ok-1", text="Completed 40-hour CIT training"),
        WorkItem("bad", text="MARKER line"),
        WorkItem("ok-2", text="Dental assistant"),
    ]
    records = screen_texts(screener, items, ExtractionLimits())
    assert [(r.source, r.status) for r in records] == [
        ("ok-1", "ok"),
        ("bad", "error"),
        ("ok-2", "ok"),
    ]
    assert records[1].error == "unexpected RuntimeError while screening the file"
    assert records[0].flagged


# -- the URL guard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, allowed",
    [
        ("files.ats.example", True),
        ("FILES.ats.example.", True),
        ("a.b.uploads.example", True),
        ("uploads.example", False),  # *.uploads.example is for names below it
        ("evil-uploads.example", False),
        ("ats.example", False),
        ("files.ats.example.evil.test", False),
    ],
)
def test_host_allow_list(host: str, allowed: bool) -> None:
    assert host_allowed(host, ("files.ats.example", "*.uploads.example")) is allowed


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_unless_private_ones_are_allowed(address: str, public: bool) -> None:
    assert address_allowed(address, allow_private=False) is public
    special = address in ("0.0.0.0", "224.0.0.1")
    assert address_allowed(address, allow_private=True) is not special


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://files.ats.example/cv.pdf", "only https links"),
        ("ftp://files.ats.example/cv.pdf", "only https links"),
        ("https://user:pw@files.ats.example/cv.pdf", "user name or password"),
        ("https://other.example/cv.pdf", "not on the allow-list"),
        ("https://files.ats.example:99999/cv.pdf", "malformed"),
        ("https:///cv.pdf", "no host"),
    ],
)
def test_links_refused_before_any_connection(url: str, reason: str) -> None:
    with pytest.raises(FetchRefusedError, match=reason):
        fetch_url(url, UrlPolicy(("files.ats.example",)), MB)


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        body = b"CIT officer\n" * 1000
        self.send_response(200)
        if self.path != "/unsized":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_fetching_a_local_server(local: str) -> None:
    refused = UrlPolicy(("127.0.0.1",), allow_http=True)
    with pytest.raises(FetchRefusedError, match="private, loopback"):
        fetch_url(local + "/cv.txt", refused, MB)
    allowed = UrlPolicy(("127.0.0.1",), allow_private=True, allow_http=True)
    assert fetch_url(local + "/cv.txt", allowed, MB) == b"CIT officer\n" * 1000
    with pytest.raises(LimitExceededError, match="12000 bytes, more than 1000"):
        fetch_url(local + "/cv.txt", allowed, 1000)
    with pytest.raises(LimitExceededError, match="more than 1000 bytes"):
        fetch_url(local + "/unsized", allowed, 1000)
    with pytest.raises(FetchRefusedError, match="more than 3 redirects"):
        fetch_url(local + "/loop", allowed, MB)
    closed = local.rsplit(":", 1)[0] + ":1"
    with pytest.raises(ExtractionError, match="fetching the link failed"):
        fetch_url(closed + "/cv.txt", allowed, MB)


# -- the serve command's usage errors ----------------------------------------------------------------------


def test_serve_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    short = tmp_path / "key"
    short.write_text("short")
    bad_lexicon = tmp_path / "bad.toml"
    bad_lexicon.write_text("[skill]\nid = 3\n")
    for args, message in (
        (["serve", "--api-key-file", str(short)], "at least 16 characters"),
        (["serve", "--lexicon", str(bad_lexicon)], "--lexicon"),
        (["serve", "--workers", "0"], "--workers"),
    ):
        result = runner.invoke(cli, args, env={API_KEY_ENV: ""})
        assert result.exit_code == 2, result.output
        assert message in result.output
    help_text = runner.invoke(cli, ["serve", "--help"]).output
    assert "--api-key-file" in help_text and "--url-host" in help_text
    assert "serve" in runner.invoke(cli, ["--help"]).output


def test_serve_without_the_extra_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['starlette'] = None  # as if the server extra were not installed\n"
        "from crisis_screen.cli import main\n"
        "main(['serve', '--port', '0'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert "pip install 'crisis_screen[server]'" in done.stderr
