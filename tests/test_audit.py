"""The impact-ratio audit against an independent computation on a population of known rates.

The population is built cell by cell (sex x race/ethnicity) with chosen sizes and selections,
so the selection rates by sex are known exactly (F 0.30, M 0.40, X 0.20; X is 1.5% of the
known total and NHPI 1.2%, both under the 2% at which a group leaves the ratios). Every number
the audit reports is then checked, to 1e-6, against a separate pandas computation written
from the definitions (group, count, divide by the highest rate of the groups kept).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crisis_screen.audit import MIN_SHARE, audit_dict, render_audit, run_audit
from crisis_screen.audit.compute import AuditReport
from crisis_screen.cli import cli
from crisis_screen.errors import CrisisScreenError, DemographicsError, ReviewInputError
from crisis_screen.models import Summary, Versions
from crisis_screen.runs.records import Manifest, ScanRecord, Timings

pd = pytest.importorskip("pandas")

TOL = 1e-6
VERSIONS = Versions(
    library="0.2.0", lexicon="mental_health_response@1.1.0+common@1.0.0", scoring="2.0.0"
)

#: (sex, race_ethnicity, people, selected); "" is a blank (unknown) cell.
CELLS: list[tuple[str, str, int, int]] = [
    ("F", "Asian", 80, 24),
    ("F", "Black", 120, 36),
    ("F", "Hispanic", 100, 30),
    ("F", "White", 172, 52),
    ("F", "NHPI", 8, 2),
    ("M", "Asian", 90, 36),
    ("M", "Black", 110, 44),
    ("M", "Hispanic", 100, 40),
    ("M", "White", 196, 78),
    ("M", "NHPI", 4, 2),
    ("X", "White", 10, 2),
    ("X", "Asian", 5, 1),
    ("", "Black", 5, 1),
]
NO_DEMOGRAPHICS = 20  # screened, with no row in the demographics file
NOT_SCREENED = 5  # error records
STRAY_ROWS = 3  # demographic rows of no result


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def _ok(source: str, score: float, flagged: bool) -> ScanRecord:
    return ScanRecord(
        source=source,
        sha256=_sha(source),
        status="ok",
        score=score,
        flagged=flagged,
        threshold=30.0,
        summary=Summary(),
        timings=Timings(read_ms=0, screen_ms=0),
        versions=VERSIONS,
    )


def _population() -> tuple[list[ScanRecord], list[dict[str, str]]]:
    records: list[ScanRecord] = []
    demo: list[dict[str, str]] = []
    j = 0
    for sex, race, people, selected in CELLS:
        for k in range(people):
            j += 1
            picked = k < selected
            # Selected people score 30-90 and the others 0-34, so the median (among the
            # others) splits the unselected too: the scoring rate is not the selection rate.
            score = 30.0 + (j * 7) % 61 if picked else float((j * 13) % 35) + 0.25
            source = f"batch/cv_{j:05d}.txt"
            records.append(_ok(source, score, picked))
            demo.append({"source": source, "sex": sex, "race_ethnicity": race, "age_band": ""})
    for i in range(NO_DEMOGRAPHICS):
        records.append(_ok(f"batch/walk_in_{i:02d}.txt", float(i * 5), i % 4 == 0))
    for i in range(NOT_SCREENED):
        records.append(
            ScanRecord(
                source=f"batch/broken_{i}.pdf",
                status="error",
                error_type="CorruptDocumentError",
                error="not a PDF",
                timings=Timings(read_ms=0, screen_ms=0),
                versions=VERSIONS,
            )
        )
    for i in range(STRAY_ROWS):
        demo.append(
            {
                "source": f"batch/withdrawn_{i}.txt",
                "sex": "F",
                "race_ethnicity": "White",
                "age_band": "",
            }
        )
    return records, demo


def _write_results(path: Path, records: list[ScanRecord]) -> Path:
    path.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    return path


def _write_demo(path: Path, rows: list[dict[str, str]], key: str = "source") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        columns = [key, "sex", "race_ethnicity", "age_band"]
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            out = dict(row)
            if key == "sha256":
                out["sha256"] = _sha(row["source"]).upper()  # case does not matter
            writer.writerow(out)
    return path


@pytest.fixture()
def population(tmp_path: Path) -> tuple[Path, Path, list[ScanRecord], list[dict[str, str]]]:
    records, demo = _population()
    return (
        _write_results(tmp_path / "results.jsonl", records),
        _write_demo(tmp_path / "demo.csv", demo),
        records,
        demo,
    )


# -- the independent computation -----------------------------------------------------------------


def _oracle(
    records: list[ScanRecord],
    demo: list[dict[str, str]],
    columns: list[str],
    selected: dict[str, bool] | None = None,
) -> tuple[float, Any, int]:
    """Group, count and divide with pandas, from the definitions alone."""
    people = pd.DataFrame(
        [
            {
                "source": r.source,
                "score": r.score,
                "selected": r.flagged if selected is None else selected.get(r.source, False),
            }
            for r in records
            if r.status == "ok"
        ]
    )
    median = float(people["score"].median())
    people["above"] = people["score"] > median
    table = pd.DataFrame(demo).replace("", None)
    joined = people.merge(table, on="source", how="left")
    known = joined.dropna(subset=columns)
    groups = known.groupby(columns).agg(
        n=("score", "size"), selected=("selected", "sum"), above=("above", "sum")
    )
    groups["share"] = groups["n"] / groups["n"].sum()
    groups["rate"] = groups["selected"] / groups["n"]
    groups["scoring_rate"] = groups["above"] / groups["n"]
    kept = groups["share"] >= MIN_SHARE
    groups["ir"] = (groups["rate"] / groups.loc[kept, "rate"].max()).where(kept)
    groups["sir"] = (groups["scoring_rate"] / groups.loc[kept, "scoring_rate"].max()).where(kept)
    return median, groups, len(joined) - len(known)


def _check(
    report: AuditReport,
    records: list[ScanRecord],
    demo: list[dict[str, str]],
    selected: dict[str, bool] | None = None,
) -> None:
    for category in report.categories:
        median, expected, unknown = _oracle(records, demo, list(category.columns), selected)
        assert report.median == pytest.approx(median, abs=TOL)
        assert category.unknown == unknown
        assert category.total == int(expected["n"].sum())
        assert len(category.groups) == len(expected)
        for group in category.groups:
            row = expected.loc[group.values if len(group.values) > 1 else group.values[0]]
            assert group.n == row["n"] and group.selected == row["selected"]
            assert group.scored_above == row["above"]
            assert group.share == pytest.approx(row["share"], abs=TOL)
            assert group.selection_rate == pytest.approx(row["rate"], abs=TOL)
            assert group.scoring_rate == pytest.approx(row["scoring_rate"], abs=TOL)
            assert group.excluded == bool(row["share"] < MIN_SHARE)
            for got, want in (
                (group.impact_ratio, row["ir"]),
                (group.scoring_impact_ratio, row["sir"]),
            ):
                if pd.isna(want):
                    assert got is None
                else:
                    assert got == pytest.approx(want, abs=TOL)


# -- the audit ------------------------------------------------------------------------------------


def test_audit_matches_the_independent_computation(population: Any) -> None:
    results, demographics, records, demo = population
    report = run_audit(results, demographics, intersections=[("sex", "race_ethnicity")])
    assert [c.columns for c in report.categories] == [
        ("sex",),
        ("race_ethnicity",),
        ("age_band",),
        ("sex", "race_ethnicity"),
    ]
    _check(report, records, demo)
    screened = len(records) - NOT_SCREENED
    assert (report.results_total, report.screened, report.not_screened) == (
        len(records),
        screened,
        NOT_SCREENED,
    )
    assert report.no_demographics == NO_DEMOGRAPHICS
    assert report.unmatched_rows == STRAY_ROWS
    assert report.selection == "flagged" and report.undecided is None


def test_the_known_rates_come_out_exactly(population: Any) -> None:
    results, demographics, _, _ = population
    report = run_audit(results, demographics, intersections=[("sex", "race_ethnicity")])
    sex, race, age, both = report.categories
    by_sex = {g.values[0]: g for g in sex.groups}
    assert {k: g.selection_rate for k, g in by_sex.items()} == pytest.approx(
        {"F": 0.30, "M": 0.40, "X": 0.20}, abs=TOL
    )
    assert by_sex["F"].impact_ratio == pytest.approx(0.75, abs=TOL)
    assert by_sex["M"].impact_ratio == pytest.approx(1.0, abs=TOL)
    # X is 15 of 995 people with a known sex (1.5%): reported, never in a ratio.
    assert by_sex["X"].excluded and by_sex["X"].impact_ratio is None
    assert by_sex["X"].share == pytest.approx(15 / 995, abs=TOL)
    assert sex.total == 995 and sex.unknown == 5 + NO_DEMOGRAPHICS
    by_race = {g.values[0]: g for g in race.groups}
    assert by_race["NHPI"].excluded and by_race["NHPI"].selection_rate == pytest.approx(4 / 12)
    assert race.total == 1000 and by_race["NHPI"].share == pytest.approx(0.012, abs=TOL)
    kept = [g for g in race.groups if not g.excluded]
    best = max(g.selection_rate for g in kept)
    assert [g.impact_ratio for g in kept] == pytest.approx([g.selection_rate / best for g in kept])
    # A column with no known value: every screened result is unknown, no group.
    assert age.groups == () and age.total == 0 and age.unknown == report.screened
    cells = {g.values: g for g in both.groups}
    assert cells[("F", "NHPI")].excluded and cells[("M", "NHPI")].excluded
    assert cells[("X", "White")].excluded and not cells[("F", "White")].excluded
    assert both.total == 995


def test_decisions_make_advance_the_selection(population: Any, tmp_path: Path) -> None:
    results, demographics, records, demo = population
    ok = [r for r in records if r.status == "ok"]
    items = []
    selected: dict[str, bool] = {}
    for i, r in enumerate(ok):
        if i % 3 == 2:
            continue  # undecided: not selected
        decision = "advance" if i % 3 == 0 else "reject"
        selected[r.source] = decision == "advance"
        # Half the decisions come from a redacted report: another name, the same hash.
        source = r.source if i % 2 else f"resume-{r.sha256[:12]}.txt"  # type: ignore[index]
        items.append({"source": source, "sha256": r.sha256, "decision": decision})
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = run_audit(
        results, demographics, decisions=path, intersections=[("sex", "race_ethnicity")]
    )
    assert report.selection == "advance"
    assert report.undecided == len(ok) - len(items)
    _check(report, records, demo, selected)


def test_demographics_keyed_by_hash_or_by_file_name(tmp_path: Path) -> None:
    records, demo = _population()
    results = _write_results(tmp_path / "results.jsonl", records)
    by_source = run_audit(results, _write_demo(tmp_path / "a.csv", demo))
    by_hash = run_audit(results, _write_demo(tmp_path / "b.csv", demo, key="sha256"))
    names = [{**row, "source": Path(row["source"]).name} for row in demo]
    by_name = run_audit(results, _write_demo(tmp_path / "c.csv", names))
    assert by_source.categories == by_hash.categories == by_name.categories
    assert by_hash.no_demographics == by_name.no_demographics == NO_DEMOGRAPHICS


def test_versions_come_from_the_manifest_beside_the_results(population: Any) -> None:
    results, demographics, _, _ = population
    assert run_audit(results, demographics).versions_from == "records"
    manifest = Manifest(
        crisis_screen_version="0.2.0",
        status="complete",
        started_at="2025-01-01T00:00:00Z",
        finished_at="2025-01-01T00:01:00Z",
        duration_s=60.0,
        inputs=1045,
        screened_this_run=1045,
        skipped_already_done=0,
        ok=1040,
        error=5,
        flagged=0,
        versions={"library": "0.2.0", "lexicon": "skill@9.9.9", "scoring": "7.0.0"},
        settings={},
    )
    path = results.with_name(results.name + ".manifest.json")
    path.write_text(manifest.dumps(), encoding="utf-8")
    report = run_audit(results, demographics)
    assert report.versions == {"lexicon": "skill@9.9.9", "scoring": "7.0.0"}
    assert report.versions_from == str(path)
    assert report.record_versions == (f"{VERSIONS.lexicon} / {VERSIONS.scoring}",)


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["name", "sex"], [["a", "F"]], "needs a 'sha256' or 'source' column"),
        (["source"], [["a"]], "has no category column"),
        (["source", "sex", "sex"], [["a", "F", "F"]], "repeats the column"),
        (
            ["source", "sex"],
            [["a", "F"], ["b", "M"], ["a", "M"]],
            "row 4: the source of row 2 again",
        ),
        (["source", "sex"], [["", "F"], ["b", "M", "extra"]], "row 2: no source; row 3: 3 cells"),
        (["sha256", "sex"], [["abc", "F"]], "row 2: sha256 is not 64 hex digits"),
        ([], [], "is empty"),
    ],
)
def test_bad_demographics_are_named_errors_without_values(
    tmp_path: Path, header: list[str], rows: list[list[str]], message: str
) -> None:
    path = tmp_path / "demo.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    results = _write_results(tmp_path / "results.jsonl", [_ok("a", 1.0, False)])
    with pytest.raises(DemographicsError) as info:
        run_audit(results, path)
    assert isinstance(info.value, CrisisScreenError)
    assert str(info.value).startswith(str(path)) and message in str(info.value)
    assert "F," not in str(info.value)  # no cell value is quoted


def test_bad_results_and_intersections(tmp_path: Path, population: Any) -> None:
    results, demographics, _, _ = population
    with pytest.raises(DemographicsError, match="cannot intersect sex, religion"):
        run_audit(results, demographics, intersections=[("sex", "religion")])
    broken = tmp_path / "broken.jsonl"
    broken.write_text(results.read_text().splitlines()[0] + "\n{not json\n\n[]\n")
    with pytest.raises(ReviewInputError, match=r"line 2: not a crisis-screen scan record; line 4"):
        run_audit(broken, demographics)


# -- rendering and the command ----------------------------------------------------------------------


def test_cli_json_is_the_library_audit(population: Any, tmp_path: Path) -> None:
    results, demographics, _, _ = population
    out = tmp_path / "audit.json"
    args = [
        "audit",
        str(results),
        "--demographics",
        str(demographics),
        "--by",
        "sex,race_ethnicity",
    ]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    expected = audit_dict(
        run_audit(results, demographics, intersections=[("sex", "race_ethnicity")])
    )
    assert json.loads(out.read_text()) == expected
    female = next(g for g in expected["categories"][0]["groups"] if g["group"] == {"sex": "F"})
    assert female["impact_ratio"] == pytest.approx(0.75, abs=TOL)


def test_cli_text_and_html(population: Any, tmp_path: Path) -> None:
    results, demographics, _, _ = population
    args = [
        "audit",
        str(results),
        "--demographics",
        str(demographics),
        "--by",
        "sex,race_ethnicity",
    ]
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "sex x race_ethnicity: 995 with data, 25 unknown" in text.output
    assert re.search(r"^F\s+480\s+48\.24%\s+144\s+0\.3000\s+0\.7500\s", text.output, re.M)
    assert re.search(r"^X \*\s+15\s+1\.51%\s+3\s+0\.2000\s+n/a\s", text.output, re.M)
    assert f"Screened results with no demographic data: {NO_DEMOGRAPHICS}" in text.output
    page = render_audit("html", run_audit(results, demographics))
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "default-src 'none'" in page and '<tr class="excluded"><td>X *</td>' in page


def test_cli_usage_errors(population: Any) -> None:
    results, demographics, _, _ = population
    runner = CliRunner()
    one = runner.invoke(
        cli, ["audit", str(results), "--demographics", str(demographics), "--by", "sex"]
    )
    assert one.exit_code == 2 and "two or more columns" in one.output
    unknown = runner.invoke(
        cli, ["audit", str(results), "--demographics", str(demographics), "--by", "sex,religion"]
    )
    assert unknown.exit_code == 2 and "cannot intersect sex, religion" in unknown.output
    missing = runner.invoke(cli, ["audit", str(results)])
    assert missing.exit_code == 2 and "--demographics" in missing.output
