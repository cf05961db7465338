"""The change report of a real run, opened in a real browser (headless Chromium, from Debian's packages).

A pipeline is published once, its sources change (zones moved, removed and added, events with them), and
the next run is validated with `--report`: the page it writes must render on its own — nothing fetched from
the network — with the counts the run's JSON result gives and the map of what moved. The screenshot is kept
under .geoswap/ (GEOSWAP_UPDATE_DOCS=1 copies it to docs/report.png, the README's picture).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GEOSWAP = str(ROOT / "geoswap")
STATE = ROOT / ".geoswap"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("no chromium on PATH: ./geoswap test installs Debian's chromium package")


def geoswap(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    run = subprocess.run([GEOSWAP, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check and run.returncode != 0:
        raise AssertionError(f"./geoswap {' '.join(args)}: exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return run


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def psql(sql: str) -> None:
    url = geoswap("db", "url").stdout.strip().splitlines()[-1]
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True, capture_output=True)


def pixels(png: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, [tuple(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("report")
    # The example's pipeline under another name, so this test's versions stay out of zone_stats' way.
    spec = (ROOT / "pipelines/zone_stats.yaml").read_text().replace("name: zone_stats", "name: report_demo") \
        .replace("view: vw_zone_stats", "view: vw_report_demo")
    (work / "report_demo.yaml").write_text(spec)
    shutil.copy(ROOT / "pipelines/zone_stats.sql", work / "zone_stats.sql")
    geoswap("generate", "zone_stats", "zones_x=20", "zones_y=15", "events=10000")
    run = ["run", "--spec", str(work / "report_demo.yaml"), "--logical-date", "2026-09-01T00:00:00Z", "--force"]
    stamp = time.strftime("%m%d%H%M%S")  # versions are never rebuilt in place: new ids on every run
    geoswap(*run, "--version", f"a{stamp}")
    # What a reviewer should see: three zones moved (and their events recounted), two removed with their
    # events, one added; the audit check (events counted once) still holds.
    psql("""
        DELETE FROM public.events e USING public.zones z WHERE z.zone_id IN (100, 101) AND ST_Contains(z.geom, e.geom);
        DELETE FROM public.zones WHERE zone_id IN (100, 101);
        DELETE FROM public.events e USING public.zones z
          WHERE z.zone_id IN (17, 18, 40) AND ST_Intersects(ST_Union(z.geom, ST_Translate(z.geom, 0.004, 0.003)), e.geom);
        UPDATE public.zones SET geom = ST_Translate(geom, 0.004, 0.003) WHERE zone_id IN (17, 18, 40);
        INSERT INTO public.zones VALUES (9001, 'new zone', ST_MakeEnvelope(10.25, 50.02, 10.27, 50.05, 4326));
        """)
    out = work / "reports"
    second = geoswap(*run, "--version", f"b{stamp}", "--no-promote", "--report", str(out))
    validated = [json.loads(l) for l in second.stdout.splitlines() if l.startswith("{") and '"checks"' in l][-1]
    return out / f"report_demo-b{stamp}.html", validated


def test_the_page_of_a_real_run_renders_offline_in_chromium_with_the_runs_counts_and_a_map(report, tmp_path):
    page, result = report
    diff = result["diff"]
    assert (diff["added"], diff["removed"]) == (1, 2)
    assert diff["changed"] >= 3 and diff["columns"]["geom"]["changed"] == 3
    html = page.read_text()
    assert not re.search(r"""(src|href)=["']?https?:|<script|<link|url\(""", html), "the page must not fetch anything"

    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--force-device-scale-factor=1", "--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    cards = dict((label, value) for value, label in re.findall(r'<div class="card"><b>([^<]*)</b><span>([^<]*)</span>', dom))
    assert cards["keys added"] == "1" and cards["keys removed"] == "2"
    assert cards["keys changed"] == f"{diff['changed']:,}"
    assert "zone_id=17" in dom and "<svg" in dom

    shot = tmp_path / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", "--window-size=1100,1400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    width, height, px = pixels(shot)
    assert (width, height) == (1100, 1400)
    # The map drew what moved: the removed zones' red fill, the added zone's green, the new outlines' blue.
    reddish = sum(1 for r, g, b in px if r > 200 and g < 190 and b < 190)
    greenish = sum(1 for r, g, b in px if g > r + 40 and g > b + 20)
    blue = sum(1 for r, g, b in px if b > 180 and r < 80)
    assert reddish > 200 and greenish > 200 and blue > 50, (reddish, greenish, blue)
    keep = STATE / "report-screenshot.png"
    shutil.copy(shot, keep)
    if os.environ.get("GEOSWAP_UPDATE_DOCS") == "1":
        shutil.copy(shot, ROOT / "docs/report.png")
