"""CSV and TSV that a spreadsheet can open without running anything, and TSV that line-based
tools read one record a line (PRODUCT.md section 12)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from svcops.cli import output, shapes

HOSTILE = ['=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(1)", "=1+1", "-"]


def unescape_tsv(field: str) -> str:
    """The reading side of the TSV escapes that docs/cli.md documents."""
    escapes = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    out, chars = [], iter(field)
    for char in chars:
        out.append(escapes[next(chars)] if char == "\\" else char)
    return "".join(out)


def unneutralise(cell: str) -> str:
    """The reading side of the neutralisation: one leading quote is dropped."""
    formula = cell.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r")
    return cell[1:] if cell[:1] == "'" and formula else cell


def written(fmt: str, rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    output._WRITERS[fmt](shapes.Rows(("key", "title", "count"), rows), buffer, None)
    return buffer.getvalue()


def test_formula_titles_come_out_as_text_in_csv_and_tsv(cli, db, tmp_path):
    source = tmp_path / "titles.csv"
    with source.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["title"])
        writer.writerows([title] for title in HOSTILE)
    assert cli("import", str(source), "--kind", "incident").code == 0
    listed = cli("incident", "list", "--limit", "0", "-f", "csv")
    cells = {row["key"]: row["title"] for row in csv.DictReader(io.StringIO(listed.stdout))}
    expected = {f"INC-{n}": "'" + title for n, title in enumerate(HOSTILE, start=1)}
    assert cells == expected
    tsv = cli("incident", "list", "--limit", "0", "-f", "tsv").stdout.splitlines()
    header = tsv[0].split("\t")
    titles = {line.split("\t")[0]: line.split("\t")[header.index("title")] for line in tsv[1:]}
    assert titles == expected
    shown = cli("incident", "list", "--limit", "0", "-f", "json").json()  # json keeps the text
    assert sorted(r["title"] for r in shown) == sorted(HOSTILE)


def test_a_cell_beginning_with_a_tab_or_a_return_is_neutralised():
    rows = [{"key": "INC-1", "title": "\t=1+1", "count": 1}, {"key": "INC-2", "title": "\r@A1"}]
    assert written("tsv", rows).splitlines()[1:] == ["INC-1\t'\\t=1+1\t1", "INC-2\t'\\r@A1\t"]
    assert written("csv", rows).split("\n")[1:] == ["INC-1,'\t=1+1,1", 'INC-2,"\'\r@A1",', ""]


def test_tsv_escapes_what_would_forge_a_row():
    rows = [{"key": "INC-1", "title": "two\nlines\tand a \\ back\rslash", "count": -3}]
    assert (
        written("tsv", rows)
        == "key\ttitle\tcount\nINC-1\ttwo\\nlines\\tand a \\\\ back\\rslash\t-3\n"
    )
    assert written("csv", rows) == 'key,title,count\nINC-1,"two\nlines\tand a \\ back\rslash",-3\n'


def test_numbers_stay_numbers_and_structures_are_checked_as_text():
    rows = [
        {"key": "INC-1", "title": ["-a", "b"], "count": -2.5},
        {"key": "INC-2", "title": {"=": 1}, "count": None},
        {"key": "INC-3", "title": "'=quoted already", "count": 0},
        {"key": "INC-4", "title": "it's fine", "count": 1},
    ]
    lines = written("csv", rows).splitlines()
    assert lines[1:] == [
        "INC-1,\"'-a,b\",-2.5", 'INC-2,"{""="": 1}",', "INC-3,''=quoted already,0",
        "INC-4,it's fine,1",
    ]  # fmt: skip


texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)


@given(st.lists(st.tuples(texts, st.integers(-(10**6), 10**6)), max_size=8))
def test_tsv_is_one_record_a_line_and_reads_back(values):
    rows = [{"key": f"INC-{n}", "title": t, "count": c} for n, (t, c) in enumerate(values)]
    lines = written("tsv", rows).split("\n")
    assert lines[-1] == "" and len(lines) == len(rows) + 2
    for line, row in zip(lines[1:-1], rows, strict=True):
        key, title, count = line.split("\t")
        assert (key, unneutralise(unescape_tsv(title)), int(count)) == (
            row["key"], row["title"], row["count"]
        )  # fmt: skip
        assert not unescape_tsv(title).startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.lists(texts, max_size=8))
def test_csv_reads_back_and_never_starts_a_cell_with_a_formula(titles):
    rows = [{"key": f"INC-{n}", "title": t, "count": n} for n, t in enumerate(titles)]
    read = list(csv.reader(io.StringIO(written("csv", rows), newline="")))
    assert read[0] == ["key", "title", "count"]
    assert [unneutralise(r[1]) for r in read[1:]] == titles
    for cell in (c for r in read[1:] for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
