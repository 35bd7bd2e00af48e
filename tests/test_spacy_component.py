"""The ``crisis_screen`` spaCy component: spans, doc result, pipelines, serialisation, wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

import crisis_screen.spacy_component  # noqa: F401  (registers the factory from the source tree)
from crisis_screen import Screener

ROOT = Path(__file__).resolve().parents[1]

RESUME = (
    "Summary\n"
    "Patrol officer who completed the 40-hour CIT course in 2019.\n"
    "Experience\n"
    "Talked down people in a suicidal crisis alongside the county mobile crisis team.\n"
    "Wrote press releases for crisis communications.\n"
    "Never held a crisis intervention certification.\n"
)


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("crisis_screen")
    yield pipeline


def test_spans_and_result_match_the_screener(nlp: Language, screener: Screener) -> None:
    doc = nlp(RESUME)
    expected = screener.screen_text(RESUME, source="<doc>")
    result = doc._.crisis_screen
    assert result == expected
    spans = list(doc.spans["crisis_screen"])
    assert len(spans) == len(expected.evidence) >= 3
    assert any(not ev.counted for ev in expected.evidence)  # the negated certification
    names = {c.id: c.name for c in screener.lexicon.concepts.values()}
    for span, ev in zip(spans, expected.evidence, strict=True):
        assert (span.start_char, span.end_char) == (ev.start, ev.end)
        assert span.text == ev.text
        assert span.label_ == ev.concept
        assert span._.crisis_concept == names[ev.concept]
        assert span._.crisis_method == ev.method
        assert span._.crisis_confidence == ev.confidence
        assert span._.crisis_counted is ev.counted


def test_no_evidence_gives_an_empty_group(nlp: Language) -> None:
    doc = nlp("Line cook at a busy diner.\nServSafe certified.")
    assert list(doc.spans["crisis_screen"]) == []
    assert doc._.crisis_screen.score == 0.0
    assert not doc._.crisis_screen.flagged


def test_pipe_equals_one_doc_at_a_time(nlp: Language) -> None:
    texts = [RESUME, "Barista.", "Trained dispatchers in suicide intervention skills.", ""] * 5
    piped = list(nlp.pipe(texts, batch_size=3))
    single = [nlp(t) for t in texts]
    assert [d.text for d in piped] == texts
    for a, b in zip(piped, single, strict=True):
        assert a._.crisis_screen == b._.crisis_screen
        assert [(s.start, s.end, s.label_) for s in a.spans["crisis_screen"]] == [
            (s.start, s.end, s.label_) for s in b.spans["crisis_screen"]
        ]


def test_pipe_screens_each_batch_with_one_screen_many_call(nlp: Language) -> None:
    component = nlp.get_pipe("crisis_screen")
    screener = component.screener
    calls: list[int] = []
    original = screener.screen_many

    def counting(items, **kwargs):  # type: ignore[no-untyped-def]
        items = list(items)
        calls.append(len(items))
        return original(items, **kwargs)

    screener.screen_many = counting  # type: ignore[method-assign]
    try:
        docs = list(component.pipe((nlp.make_doc(t) for t in ["CIT officer"] * 7), batch_size=3))
    finally:
        del screener.screen_many
    assert calls == [3, 3, 1]
    assert all(d._.crisis_screen.flagged for d in docs)


@Language.component("test_count_counted_spans")
def _count_counted(doc: Doc) -> Doc:
    doc.user_data["counted_spans"] = sum(1 for s in doc.spans["mhr"] if s._.crisis_counted)
    return doc


def test_works_between_other_components(tmp_path: Path) -> None:
    overlay = tmp_path / "outreach.toml"
    overlay.write_text(
        textwrap.dedent(
            """
            [overlay]
            extends = "mental_health_response"
            name = "outreach-overlay"
            version = "1"

            [gate]
            anchors = ["street medicine"]

            [[concepts]]
            id = "co_responder"
            name = "Co-responder (outreach)"
              [[concepts.terms]]
              phrases = ["street medicine outreach van"]
            """
        )
    )
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.add_pipe(
        "crisis_screen",
        name="mhr",
        config={
            "overlays": [str(overlay)],
            "threshold": 90,
            "spans_key": "mhr",
            "counted_only": True,
        },
    )
    pipeline.add_pipe("test_count_counted_spans")
    text = (
        "Staffed the street medicine outreach van.\nNever completed crisis intervention training."
    )
    doc = pipeline(text)
    assert doc.has_annotation("SENT_START")
    result = doc._.crisis_screen
    assert result.threshold == 90.0
    assert not result.flagged  # one counted item scores below 90
    assert "outreach-overlay@1" in result.versions.lexicon
    spans = list(doc.spans["mhr"])
    assert [s.text for s in spans] == ["street medicine outreach van"]  # counted only
    assert len(result.evidence) == 2  # the negated mention stays in the result
    lexicon = pipeline.get_pipe("mhr").screener.lexicon
    assert spans[0]._.crisis_concept == lexicon.concepts["co_responder"].name
    assert doc.user_data["counted_spans"] == 1  # read by the component after it
    assert "crisis_screen" not in doc.spans


def test_offsets_expand_to_whole_tokens() -> None:
    pipeline = spacy.blank("en")
    # A tokenizer that splits on spaces only: "CIT-certified" stays one token.
    pipeline.tokenizer = lambda text: Doc(pipeline.vocab, words=text.split(" "))
    pipeline.add_pipe("crisis_screen")
    doc = pipeline("Deputy CIT-certified since 2020")
    result = doc._.crisis_screen
    spans = list(doc.spans["crisis_screen"])
    assert len(spans) == len(result.evidence) >= 1
    for span, ev in zip(spans, result.evidence, strict=True):
        assert span.start_char <= ev.start < ev.end <= span.end_char
        assert ev.text in span.text
    assert spans[0].text == "CIT-certified"


def test_annotations_survive_docbin(nlp: Language) -> None:
    doc = nlp(RESUME)
    store = DocBin(store_user_data=True)
    store.add(doc)
    (back,) = DocBin().from_bytes(store.to_bytes()).get_docs(nlp.vocab)
    assert back._.crisis_screen == doc._.crisis_screen
    assert [(s.text, s.label_, s._.crisis_counted) for s in back.spans["crisis_screen"]] == [
        (s.text, s.label_, s._.crisis_counted) for s in doc.spans["crisis_screen"]
    ]


def test_bad_config_is_rejected() -> None:
    pipeline = spacy.blank("en")
    with pytest.raises(ValueError, match="threshold"):
        pipeline.add_pipe("crisis_screen", config={"threshold": 150})


def _run(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def test_importing_registers_nothing() -> None:
    code = textwrap.dedent(
        """
        import sys
        import crisis_screen
        from spacy.tokens import Doc, Span
        assert "crisis_screen.spacy_component" not in sys.modules
        import crisis_screen.spacy_component
        # The module registers the factory (spaCy needs it) but builds nothing.
        assert not Doc.has_extension("crisis_screen")
        assert not Span.has_extension("crisis_counted")
        for heavy in ("crisis_screen.screener", "crisis_screen.lexicon", "crisis_screen.models"):
            assert heavy not in sys.modules, heavy
        print("ok")
        """
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def _site_packages() -> list[str]:
    """This interpreter's site-packages folders (spaCy and the other dependencies are there)."""
    purelib = sysconfig.get_paths()["purelib"]
    return [p for p in dict.fromkeys([purelib, *sys.path]) if p.endswith("site-packages")]


def test_entry_point_from_an_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh venv; spaCy finds the factory by itself."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("crisis_screen-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # --system-site-packages reaches the base interpreter's packages, not those of the venv
    # running the tests: add those after the new venv's own folder, so the wheel installed
    # there comes first for both imports and entry points.
    Path(purelib, "zz_test_deps.pth").write_text("\n".join(_site_packages()) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    install = subprocess.run(
        # --ignore-installed: the venv running the tests may hold crisis_screen already (a
        # regular install, reached through the .pth above); the wheel must land here anyway.
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert install.returncode == 0, install.stderr

    code = textwrap.dedent(
        """
        import json, sys
        import spacy
        assert "crisis_screen" not in sys.modules
        nlp = spacy.blank("en")
        nlp.add_pipe("crisis_screen")
        doc = nlp("Completed 40-hour CIT training and answered over 200 crisis calls.\\n"
                  "No crisis intervention role yet.")
        import crisis_screen
        result = doc._.crisis_screen
        print(json.dumps({
            "file": crisis_screen.__file__,
            "flagged": result.flagged,
            "counted": [[e.start, e.end, e.concept] for e in result.evidence if e.counted],
            "all": len(result.evidence),
            "spans": [[s.start_char, s.end_char, s.label_, s._.crisis_counted]
                      for s in doc.spans["crisis_screen"]],
        }))
        """
    )
    proc = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    out = json.loads(proc.stdout)
    assert out["file"].startswith(purelib), out["file"]
    assert out["flagged"] is True
    assert len(out["counted"]) >= 2
    assert len(out["spans"]) == out["all"] > len(out["counted"])
    counted_spans = [[s, e, label] for s, e, label, counted in out["spans"] if counted]
    assert counted_spans == out["counted"]


def test_component_pickles_by_its_settings(tmp_path: Path) -> None:
    import pickle

    pipeline = spacy.blank("en")
    component = pipeline.add_pipe(
        "crisis_screen", config={"threshold": 45, "spans_key": "k", "counted_only": True}
    )
    clone = pickle.loads(pickle.dumps(component))
    assert clone is not component
    assert (clone.name, clone.spans_key, clone.counted_only) == ("crisis_screen", "k", True)
    assert clone.screener.threshold == 45.0
    doc = clone(pipeline.make_doc("CIT trained; never a crisis negotiator"))
    assert doc._.crisis_screen == component(pipeline.make_doc(doc.text))._.crisis_screen
    assert all(s._.crisis_counted for s in doc.spans["k"])
