"""Label files for ``evaluate``: every problem reported at once, with what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_screen.errors import CrisisScreenError, LabelsError
from crisis_screen.evaluate import load_labels
from test_batch_support import run_cli


def write_folder(folder: Path, labels: object, files: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).write_text("EXPERIENCE\nAnswered crisis line calls overnight\n")
    raw = labels if isinstance(labels, str) else json.dumps(labels)
    (folder / "labels.json").write_text(raw, encoding="utf-8")
    return folder


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LabelsError) as info:
        load_labels(path)
    assert isinstance(info.value, CrisisScreenError)
    # the message carries every problem, one per line
    for p in info.value.problems:
        assert p in str(info.value)
    return info.value.problems


# ---------------------------------------------------------------------------------------------
# Resume folders (labels.json)


def test_every_entry_problem_is_reported_together(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    (folder / "a_folder").mkdir(parents=True)
    labels = {
        "ok.txt": {"relevant": 1},
        "bare.txt": 1,
        "nolabel.txt": {"kind": "hard_negative"},
        "word.txt": {"relevant": "yes"},
        "flag.txt": {"relevant": True},
        "kind.txt": {"relevant": 0, "kind": 3},
        "gone.txt": {"relevant": 0},
        "a_folder": {"relevant": 0},
        "../elsewhere.txt": {"relevant": 1},
    }
    files = ("ok.txt", "bare.txt", "nolabel.txt", "word.txt", "flag.txt", "kind.txt")
    write_folder(folder, labels, files)
    (tmp_path / "elsewhere.txt").write_text("outside the set\n")
    found = problems_of(folder)
    lj = folder / "labels.json"
    assert sorted(found) == sorted(
        [
            f"{lj}: 'bare.txt': expected an object {{\"relevant\": 0 or 1}}, found 1",
            f"{lj}: 'nolabel.txt': missing \"relevant\" (expected 0 or 1)",
            f'{lj}: \'word.txt\': "relevant" must be 0 or 1, found "yes"',
            f"{lj}: 'flag.txt': \"relevant\" must be 0 or 1, found true",
            f"{lj}: 'kind.txt': \"kind\" must be a string, found 3",
            f"{lj}: 'gone.txt': no such file in {folder}",
            f"{lj}: 'a_folder': is a folder, not a resume file",
            f"{lj}: '../elsewhere.txt': names a file outside {folder} (use a name relative to it)",
        ]
    )
    assert "None" not in "\n".join(found)


def test_a_missing_file_is_an_error_not_a_smaller_set(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path, {"here.txt": {"relevant": 1}, "lost.txt": {"relevant": 0}}, ("here.txt",)
    )
    assert problems_of(folder) == [
        f"{folder / 'labels.json'}: 'lost.txt': no such file in {folder}"
    ]


def test_a_file_listed_twice_is_reported(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path, '{"cv.txt": {"relevant": 1}, "cv.txt": {"relevant": 0}}', ("cv.txt",)
    )
    assert problems_of(folder) == [
        f"{folder / 'labels.json'}: 'cv.txt': listed more than once (each file takes one label)"
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '{"cv.txt": {"relevant": 1}',
            "not valid JSON (Expecting ',' delimiter, line 1 column 27)",
        ),
        (
            '["cv.txt"]',
            'expected an object mapping file names to {"relevant": 0 or 1}, found a list',
        ),
        ("{}", 'no labelled files (expected file names mapped to {"relevant": 0 or 1})'),
    ],
)
def test_whole_file_problems(tmp_path: Path, raw: str, message: str) -> None:
    folder = write_folder(tmp_path, raw)
    assert problems_of(folder) == [f"{folder / 'labels.json'}: {message}"]


def test_folder_without_labels(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [
        f"{tmp_path / 'labels.json'}: not found (a resume folder needs labels.json)"
    ]


def test_a_good_folder_loads_with_its_paths(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path,
        {"b.txt": {"relevant": 0, "why": "a note the loader ignores"}, "a.txt": {"relevant": 1}},
        ("a.txt", "b.txt"),
    )
    labels = load_labels(folder / "labels.json")
    assert labels.unit == "resume" and labels.source == str(folder)
    assert [(i.id, i.label, i.kind, i.path) for i in labels.items] == [
        ("a.txt", 1, "relevant", str(folder / "a.txt")),
        ("b.txt", 0, "not_relevant", str(folder / "b.txt")),
    ]


# ---------------------------------------------------------------------------------------------
# JSONL line files


def test_every_bad_line_is_named_by_number(tmp_path: Path) -> None:
    f = tmp_path / "lines.jsonl"
    rows = [
        '{"id": "a", "text": "Staffed the overnight warmline", "label": 1}',
        "this is not json",
        '["a", "list"]',
        '{"label": 1}',
        '{"text": 42, "label": 0}',
        '{"text": "Sold office furniture"}',
        '{"text": "Sold office furniture", "label": "no"}',
        "",
        '{"id": "a", "text": "Ran the crisis desk", "label": 1}',
        '{"text": "Drove a forklift", "label": 0, "kind": ["x"]}',
    ]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = problems_of(f)
    assert found == [
        f"{f}:2: not valid JSON (Expecting value, column 1); expected one object a line,"
        ' {"text": "...", "label": 0 or 1}',
        f'{f}:3: expected an object {{"text": "...", "label": 0 or 1}}, found a list',
        f'{f}:4: missing "text" (expected the line as a string)',
        f'{f}:5: "text" must be a string, found 42',
        f'{f}:6: missing "label" (expected 0 or 1)',
        f'{f}:7: "label" must be 0 or 1, found "no"',
        f'{f}:9: "id" "a" is already used on line 1',
        f'{f}:10: "kind" must be a string, found a list',
    ]


def test_messages_never_echo_long_text(tmp_path: Path) -> None:
    f = tmp_path / "lines.jsonl"
    secret = "Candidate disclosed a private detail in this sentence"
    f.write_text(json.dumps({"text": "ok", "label": secret}) + "\n", encoding="utf-8")
    found = problems_of(f)
    assert found == [f'{f}:1: "label" must be 0 or 1, found a string of {len(secret)} characters']
    assert secret not in "\n".join(found)


def test_a_long_list_of_problems_is_shortened_in_the_message(tmp_path: Path) -> None:
    f = tmp_path / "lines.jsonl"
    f.write_text("\n".join('{"text": "x", "label": 5}' for _ in range(60)) + "\n")
    with pytest.raises(LabelsError) as info:
        load_labels(f)
    assert len(info.value.problems) == 60
    message = str(info.value)
    assert message.startswith("60 problems in labelled data:")
    assert f"{f}:50:" in message and f"{f}:51:" not in message
    assert message.endswith("... and 10 more")


def test_an_empty_line_file(tmp_path: Path) -> None:
    f = tmp_path / "lines.jsonl"
    f.write_text("\n\n")
    assert problems_of(f) == [
        f'{f}: no labelled lines (expected one object a line, {{"text": "...", "label": 0 or 1}})'
    ]


# ---------------------------------------------------------------------------------------------
# The command line: label problems are bad input, exit status 2


@pytest.mark.slow
def test_cli_exits_2_and_lists_every_label_problem(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "set",
        {"cv.txt": 1, "lost.txt": {"relevant": 0}, "kept.txt": {"relevant": 1}},
        ("cv.txt", "kept.txt"),
    )
    done = run_cli(["evaluate", str(folder)])
    assert done.returncode == 2, done.stderr
    assert "2 problems in labelled data" in done.stderr
    assert "'cv.txt': expected an object {\"relevant\": 0 or 1}, found 1" in done.stderr
    assert f"'lost.txt': no such file in {folder}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""

    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"text": "Covered the hotline", "label": 1}\nnot json\n')
    done = run_cli(["evaluate", str(lines), "--format", "json"])
    assert done.returncode == 2, done.stderr
    assert f"{lines}:2: not valid JSON" in done.stderr and done.stdout == ""
