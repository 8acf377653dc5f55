"""The command contract: `learncity import --json`, `import quarantine`, `catalog list --json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from learncity.cli import app

# every test imports into an empty catalog (the world's is deleted inside the transaction)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]
HEADER = "강좌명,교육시작일자,교육종료일자,운영기관명,수강료,교육장도로명주소,강좌내용"
ROWS = [
    "[일원2] 수채화 드로잉(A/6회),2026-03-02,2026-05-30,가나구청,0,서울특별시 강남구 영동대로 1,미술/서예",
    "생활영어 회화,2026-03-03,2026-05-30,가나구청,30000,서울 강남구 개포로 410,영어",
    "요가,2026-13-45,2026-05-30,가나구청,0,,",
]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_import_json_contract_and_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "courses.csv"
    good.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8-sig")
    code, out = invoke("import", str(good), "--json")
    assert code == 0  # a quarantined row is accounted for: success
    report: dict[str, Any] = json.loads(out)
    assert (report["rows"], report["created"], report["quarantined"]) == (3, 2, 1)
    assert report["rows"] == sum(
        report[k] for k in ("created", "updated", "unchanged", "quarantined")
    )
    assert report["files"][0]["name"] == str(good)

    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, out = invoke("import", str(binary), str(good), "--json")
    assert code == 2  # one file could not be read at all
    report = json.loads(out)
    assert "binary" in report["files"][0]["error"]
    assert report["unchanged"] == 2

    code, out = invoke("import", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in out


def test_human_summary_lists_reasons(tmp_path: Path) -> None:
    path = tmp_path / "courses.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    code, out = invoke("import", str(path))
    assert code == 0
    assert "3 rows = 2 created + 0 updated + 0 unchanged + 1 quarantined" in out
    assert "교육시작일자(edcStartDay): not a calendar date" in out


def test_quarantine_listing_fix_and_retry(tmp_path: Path) -> None:
    path = tmp_path / "courses.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    invoke("import", str(path))
    code, out = invoke("import", "quarantine", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["open"] == 1
    row = listed["rows"][0]
    assert row["line"] == 4 and row["raw"]["강좌명"] == "요가"
    code, out = invoke(
        "import", "quarantine", "--fix", f"{row['id']}:교육시작일자=2026-03-13", "--retry", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["retried"]["created"] == 1 and result["open"] == 0
    code, _ = invoke("import", "quarantine", "--fix", "nonsense")
    assert code == 2


def test_catalog_list_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "courses.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS[:2]) + "\n", encoding="utf-8")
    invoke("import", str(path))
    code, out = invoke("catalog", "list", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    keys = {
        "id",
        "title",
        "display_title",
        "category",
        "category_confidence",
        "sido",
        "sigungu",
        "institution",
    }
    assert all(keys <= set(line) for line in lines)
    first = next(line for line in lines if line["title"].startswith("[일원2]"))
    assert first["display_title"] == "수채화 드로잉"
    assert first["category"] == "문화예술"
    assert first["institution"] == "가나구청"


def test_officer_category_via_cli(tmp_path: Path) -> None:
    path = tmp_path / "courses.csv"
    path.write_text(HEADER + "\n" + ROWS[1] + "\n", encoding="utf-8")
    invoke("import", str(path))
    _, out = invoke("catalog", "list", "--json")
    programme = json.loads(out.splitlines()[0])
    code, _ = invoke(
        "catalog", "set-category", str(programme["id"]), "vocational", "--middle", "자격인증"
    )
    assert code == 0
    _, out = invoke("catalog", "list", "--json")
    assert json.loads(out)["category"] == "직업능력"
    code, _ = invoke("catalog", "set-category", str(programme["id"]), "cooking")
    assert code == 2
