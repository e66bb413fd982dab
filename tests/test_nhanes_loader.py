"""The NHANES loader of book/11_nhanes.ipynb, run on tiny files in the real formats.

The notebook cell tagged `nhanes-loader` is executed on its own (as the notebook would),
then its functions read a SAS XPORT version 5 file written by pyreadstat and a small
fixed-width mortality file. Every failure (missing file, wrong format, missing columns)
must be a clear error, never an empty frame.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import BOOK

NOTEBOOK = BOOK / "11_nhanes.ipynb"


@pytest.fixture(scope="module")
def loader() -> dict:
    nb = json.loads(NOTEBOOK.read_text())
    cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and "nhanes-loader" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(cells) == 1, (
        f"expected exactly one cell tagged nhanes-loader, found {len(cells)}"
    )
    # what the chapter's setup cell imports for it
    namespace: dict = {"pathlib": pathlib, "np": np, "pd": pd}
    exec(
        compile("".join(cells[0]["source"]), f"{NOTEBOOK.name}[nhanes-loader]", "exec"),
        namespace,
    )
    return namespace


DEMO = pd.DataFrame(
    {
        "SEQN": [21005.0, 21006.0, 21007.0],
        "RIAGENDR": [1.0, 2.0, 2.0],
        "RIDAGEYR": [55.0, 85.0, 67.0],
        "RIDRETH1": [3.0, 1.0, 4.0],
        "INDFMPIR": [1.5, np.nan, 4.2],
        "WTMEC2YR": [12000.5, 8000.25, 15000.0],
        "SDMVPSU": [1.0, 2.0, 1.0],
        "SDMVSTRA": [16.0, 20.0, 30.0],
        "DMDEDUC2": [3.0, 4.0, 5.0],  # an extra column the loader must ignore
    }
)


def write_xpt(frame: pd.DataFrame, path) -> None:
    pyreadstat.write_xport(
        frame, str(path), file_format_version=5, table_name="FIXTURE"
    )


def paxraw(seqns=(21005, 21006), minutes=150) -> pd.DataFrame:
    """Minute rows in the PAXRAW schema: counts = minute number, one unreliable minute
    for the second person."""
    rows = []
    for seqn in seqns:
        for n in range(1, minutes + 1):
            m = n - 1
            rows.append(
                {
                    "SEQN": seqn,
                    "PAXN": n,
                    "PAXDAY": 7,
                    "PAXHOUR": (m // 60) % 24,
                    "PAXMINUT": m % 60,
                    "PAXINTEN": float(n),
                    "PAXSTAT": 2.0 if (seqn == 21006 and n == 61) else 1.0,
                    "PAXCAL": 1.0,
                }
            )
    return pd.DataFrame(rows).astype(float)


def mortality_line(seqn, eligstat, mortstat, permth_int, permth_exm) -> str:
    """One line in the 2019 public-use layout (48 characters; '.' for missing)."""
    line = [" "] * 48
    line[0:6] = f"{seqn:<6}"
    line[14] = str(eligstat)
    line[15] = str(mortstat)
    line[42:45] = f"{permth_int:>3}"
    line[45:48] = f"{permth_exm:>3}"
    return "".join(line)


# ---- demographics ----
def test_demo_is_parsed(loader, tmp_path):
    path = tmp_path / "DEMO_C.xpt"
    write_xpt(DEMO, path)
    demo = loader["load_demo"](path)
    assert list(demo.columns) == loader["DEMO_COLUMNS"]
    assert (
        demo["SEQN"].tolist() == [21005, 21006, 21007] and demo["SEQN"].dtype == "int64"
    )
    assert demo["RIDAGEYR"].tolist() == [55.0, 85.0, 67.0]
    assert np.isnan(demo["INDFMPIR"].iloc[1]) and demo["WTMEC2YR"].iloc[
        1
    ] == pytest.approx(8000.25)


def test_demo_missing_file(loader, tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"no file named 'DEMO_D\.xpt'.*download it first"
    ):
        loader["load_demo"](tmp_path / "DEMO_D.xpt")


def test_demo_wrong_format(loader, tmp_path):
    path = tmp_path / "DEMO_C.xpt"
    DEMO.to_csv(path, index=False)  # a CSV with the XPT extension
    with pytest.raises(
        ValueError, match=r"DEMO_C\.xpt is not a SAS XPORT \(\.XPT\) file"
    ):
        loader["load_demo"](path)


def test_demo_missing_columns(loader, tmp_path):
    path = tmp_path / "DEMO_C.xpt"
    write_xpt(DEMO.drop(columns=["RIDAGEYR", "WTMEC2YR"]), path)
    with pytest.raises(
        ValueError, match=r"lacks the columns \['RIDAGEYR', 'WTMEC2YR'\]"
    ):
        loader["load_demo"](path)


def test_demo_without_rows_is_an_error(loader, tmp_path):
    path = tmp_path / "DEMO_C.xpt"
    write_xpt(DEMO.iloc[:0], path)
    with pytest.raises(ValueError, match="has no rows"):
        loader["load_demo"](path)


# ---- minute-level activity ----
@pytest.mark.parametrize("chunksize", [7, 60, 100_000])
def test_paxraw_is_aggregated_to_hours_in_chunks(loader, tmp_path, chunksize):
    path = tmp_path / "paxraw_c.xpt"
    write_xpt(paxraw(), path)
    hours = (
        loader["load_paxraw"](path, chunksize=chunksize)
        .sort_values(["SEQN", "step"])
        .reset_index(drop=True)
    )
    # 150 minutes -> hours 0, 1 (full) and 2 (30 minutes), for two participants
    assert hours[["SEQN", "step"]].values.tolist() == [
        [21005, 0],
        [21005, 1],
        [21005, 2],
        [21006, 0],
        [21006, 1],
        [21006, 2],
    ]
    assert hours["minutes"].tolist() == [60, 60, 30] * 2
    full = [sum(range(1, 61)), sum(range(61, 121)), sum(range(121, 151))]
    assert hours["counts"].tolist() == full + [
        full[0],
        full[1] - 61,
        full[2],
    ]  # minute 61 unreliable for 21006
    assert hours["reliable"].tolist() == [60, 60, 30, 60, 59, 30]
    assert hours["PAXHOUR"].tolist() == [0, 1, 2] * 2


def test_paxraw_to_sequences(loader, tmp_path):
    path = tmp_path / "paxraw_c.xpt"
    write_xpt(paxraw(), path)
    hours = loader["load_paxraw"](path)
    x, valid_days = loader["to_sequences"](hours, [21006, 21005, 99999])
    assert x.shape == (3, 168, 5) and x.dtype == np.float32
    assert x[1, 0, 0] == pytest.approx(np.log1p(sum(range(1, 61))))
    assert x[0, :3, 1].tolist() == [
        1.0,
        0.0,
        1.0,
    ]  # the hour with an unreliable minute is not worn
    assert (
        x[0, 1, 0] == 0.0 and x[0, 0, 2] == 1.0
    )  # no count where not worn; PAXDAY 7 is a weekend
    assert not x[2].any() and valid_days.tolist() == [0, 0, 0]


def test_paxraw_missing_file(loader, tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"PAXRAW.*no file named 'paxraw_d\.xpt'"
    ):
        loader["load_paxraw"](tmp_path / "paxraw_d.xpt")


def test_paxraw_wrong_format(loader, tmp_path):
    path = tmp_path / "paxraw_c.xpt"
    paxraw().to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"paxraw_c\.xpt is not a SAS XPORT"):
        loader["load_paxraw"](path)


def test_paxraw_missing_columns(loader, tmp_path):
    path = tmp_path / "paxraw_c.xpt"
    write_xpt(paxraw().drop(columns=["PAXSTAT"]), path)
    with pytest.raises(ValueError, match=r"lacks the columns \['PAXSTAT'\]"):
        loader["load_paxraw"](path)


# ---- linked mortality ----
def test_mortality_is_parsed(loader, tmp_path):
    path = tmp_path / "NHANES_2003_2004_MORT_2019_PUBLIC.dat"
    lines = [
        mortality_line(21005, 1, 0, 195, 194),
        mortality_line(21006, 1, 1, 41, 40),
        mortality_line(21007, 2, ".", "  .", "  ."),
    ]
    path.write_text("\n".join(lines) + "\n")
    mort = loader["load_mortality"](path)
    assert list(mort.columns) == [
        "SEQN",
        "ELIGSTAT",
        "MORTSTAT",
        "PERMTH_INT",
        "PERMTH_EXM",
    ]
    assert mort["SEQN"].tolist() == [21005, 21006, 21007]
    assert mort["MORTSTAT"].iloc[:2].tolist() == [0, 1] and pd.isna(
        mort["MORTSTAT"].iloc[2]
    )
    assert mort["PERMTH_EXM"].iloc[:2].tolist() == [194, 40] and pd.isna(
        mort["PERMTH_EXM"].iloc[2]
    )


def test_mortality_missing_file(loader, tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"mortality.*no file named 'NHANES_2005_2006_MORT_2019_PUBLIC\.dat'",
    ):
        loader["load_mortality"](tmp_path / "NHANES_2005_2006_MORT_2019_PUBLIC.dat")


@pytest.mark.parametrize(
    "content", ["SEQN,ELIGSTAT,MORTSTAT,PERMTH_EXM\n21005,1,0,194\n", "xpt"]
)
def test_mortality_wrong_format(loader, tmp_path, content):
    path = tmp_path / "mortality.dat"
    if content == "xpt":
        write_xpt(DEMO, path)  # a binary SAS file given to the fixed-width reader
    else:
        path.write_text(content)
    with pytest.raises(
        ValueError, match=r"mortality\.dat is not in the fixed-width layout"
    ):
        loader["load_mortality"](path)


def test_mortality_missing_columns(loader, tmp_path):
    path = tmp_path / "mortality.dat"
    path.write_text(
        "\n".join(mortality_line(s, 1, 0, 100, 99)[:21] for s in (21005, 21006)) + "\n"
    )  # cut at 21
    with pytest.raises(
        ValueError, match=r"lacks the column PERMTH_EXM \(positions 46-48\)"
    ):
        loader["load_mortality"](path)


def test_mortality_empty_file(loader, tmp_path):
    path = tmp_path / "mortality.dat"
    path.write_text("")
    with pytest.raises(ValueError, match="no rows"):
        loader["load_mortality"](path)
