"""Snapshot what the registry produces, to show a reorganisation changed no behaviour.

``python tools/snapshot.py OUT_DIR`` builds two fresh SQLite databases through the command line
(the demo, and the benchmark's S registry), then writes into OUT_DIR: each registry's export, its
``check --format json`` and text output, the partnership ROPA workbook and three single-controller
workbooks (every cell, as text), the map's DOT source (whole and filtered) and the schema. Run it
before and after a change and compare with ``diff -r BEFORE AFTER``. Only ``exported_at`` is
blanked: everything else must match byte for byte.

Issue 12 asks for this script to stay in the repository while the reorganisation is under way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-23"


def flask(db_url: str, *args: str, stdin: str | None = None) -> str:
    env = dict(os.environ, DATABASE_URL=db_url, ISA_WARM_UP="0", SECRET_KEY="snapshot")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        sys.exit(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def cells(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    lines = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(f"{cell.coordinate}\t{cell.value!r}")
    return "\n".join(lines) + "\n"


def snapshot(name: str, load: list[list[str]], out: Path, tmp: Path) -> None:
    db_url = "sqlite:///" + str(tmp / f"{name}.sqlite")
    flask(db_url, "db", "upgrade")
    for args in load:
        flask(db_url, *args)
    doc = json.loads(flask(db_url, "export-registry", "-"))
    doc["exported_at"] = "-"
    (out / f"{name}-export.json").write_text(json.dumps(doc, indent=1, sort_keys=True))
    (out / f"{name}-check.json").write_text(flask(db_url, "check", "--as-of", AS_OF, "--format", "json"))
    (out / f"{name}-check.txt").write_text(flask(db_url, "check", "--as-of", AS_OF))
    flask(db_url, "export-ropa", str(tmp / f"{name}-ropa.xlsx"), "--as-of", AS_OF)
    (out / f"{name}-ropa.cells").write_text(cells(tmp / f"{name}-ropa.xlsx"))
    flask(db_url, "export-ropa", str(tmp / f"{name}-ropa.csv"), "--as-of", AS_OF)
    (out / f"{name}-ropa.csv").write_text((tmp / f"{name}-ropa.csv").read_text())
    keys = [o["key"] for o in doc["organisations"]][:3]
    for key in keys:
        flask(
            db_url, "export-ropa", str(tmp / f"{name}-ropa-{key}.xlsx"), "--controller", key, "--as-of", AS_OF
        )
        (out / f"{name}-ropa-{key}.cells").write_text(cells(tmp / f"{name}-ropa-{key}.xlsx"))
    for label, extra in (
        ("all", []),
        ("flagged", ["--flagged-only"]),
        ("special", ["--category", "special"]),
        ("org", ["--organisation", keys[0], "--depth", "2"]),
    ):
        flask(db_url, "render-map", str(tmp / f"{name}-{label}.dot"), "--as-of", AS_OF, *extra)
        (out / f"{name}-map-{label}.dot").write_text((tmp / f"{name}-{label}.dot").read_text())
        flask(db_url, "render-map", str(tmp / f"{name}-{label}.json"), "--as-of", AS_OF, *extra)
        (out / f"{name}-map-{label}.json").write_text((tmp / f"{name}-{label}.json").read_text())


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-m", "bench.generate", "--size", "S", str(tmp / "S.json")],
            cwd=ROOT,
            check=True,
        )
        snapshot("demo", [["load-demo"]], out, tmp)
        snapshot("S", [["import-registry", str(tmp / "S.json")]], out, tmp)
        (out / "schema.json").write_text(flask("sqlite:///" + str(tmp / "demo.sqlite"), "schema"))
        flask("sqlite:///" + str(tmp / "S.sqlite"), "import-template", str(tmp / "template.xlsx"))
        (out / "template.cells").write_text(cells(tmp / "template.xlsx"))
    print(f"wrote {len(list(out.iterdir()))} files to {out}")


if __name__ == "__main__":
    main()
