"""How well briefing reads web pages: per fixture page, the share of its must-read sentences
that the briefing speaks, the number of its must-never sentences that it speaks, and the time
extraction takes.

Run: .venv/bin/python scripts/extraction_report.py [--runs N] [--compare]

The pages are the project's own fixtures (tests/fixtures/web/*.html), modelled on real news
pages; each one's .toml lists what must be read and what never may be. "Spoken" means in the
briefing's script (intro, points, story), in the article's own wording. Target: 100% and 0.
Pages that must be refused (a login wall, an index, a JavaScript shell) are checked to be.

--compare runs other extractors (readability-lxml, jusText, boilerpy3, goose3, Resiliparse,
trafilatura alone) with briefing's own rules around them, when they are installed (they are
not dependencies: `pip install readability-lxml justext boilerpy3 goose3 resiliparse`), to
show why trafilatura was chosen.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.compose.script import compose  # noqa: E402
from briefing.errors import InputError  # noqa: E402
from briefing.read import boilerplate  # noqa: E402
from briefing.read.html import read_html  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "web"


def flat(text: str) -> str:
    return " ".join(text.split())


def spoken_text(data: bytes, name: str) -> str:
    document = read_html(data, name)
    script = compose([document])
    return flat(" ".join(segment.text for segment in script.segments))


def score(text: str, spec: dict[str, list[str]]) -> tuple[int, int, int]:
    read = sum(flat(sentence) in text for sentence in spec["must_read"])
    never = sum(flat(sentence) in text for sentence in spec["must_not"])
    return read, len(spec["must_read"]), never


def report(runs: int) -> bool:
    print("| page | must-read spoken | must-not spoken | extraction: wall | CPU |")
    print("| --- | ---: | ---: | ---: | ---: |")
    read_html((PAGES / "news-story.html").read_bytes(), "warm-up")  # imports, not the page
    all_good = True
    totals = [0, 0, 0]
    for spec_path in sorted(PAGES.glob("*.toml")):
        spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
        data = spec_path.with_suffix(".html").read_bytes()
        times, cpu = [], []
        outcome = ""
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                text = spoken_text(data, spec_path.stem)
            except InputError as error:
                text, outcome = "", str(error)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        # CPU time says what the work costs even on a busy machine; wall time what it took.
        ms = (f"{statistics.median(times) * 1000:.1f} ms | "
              f"{statistics.median(cpu) * 1000:.1f} ms")
        if spec.get("error"):
            ok = spec["error"] in outcome
            all_good &= ok
            print(f"| {spec_path.stem} | refused{'' if ok else ' NOT AS EXPECTED'} | — | {ms} |")
            continue
        read, wanted, never = score(text, spec)
        totals = [totals[0] + read, totals[1] + wanted, totals[2] + never]
        all_good &= read == wanted and never == 0
        print(f"| {spec_path.stem} | {read}/{wanted} ({100 * read / wanted:.0f}%) | {never} "
              f"| {ms} |")
    print(f"| **all pages** | **{totals[0]}/{totals[1]} ({100 * totals[0] / totals[1]:.0f}%)**"
          f" | **{totals[2]}** | | |")
    return all_good


def _others() -> dict[str, Callable[[str], str]]:
    def trafilatura_alone(page: str) -> str:
        import trafilatura

        return trafilatura.extract(page, include_comments=False, include_tables=False) or ""

    def readability(page: str) -> str:
        import lxml.html
        from readability import Document

        return "\n".join(element.text_content() for element in
                         lxml.html.fromstring(Document(page).summary()).iter("p", "li", "h2"))

    def justext(page: str) -> str:
        import justext as jt

        paragraphs = jt.justext(page.encode(), jt.get_stoplist("English"))
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    def boilerpy(page: str) -> str:
        from boilerpy3 import extractors

        return str(extractors.ArticleExtractor().get_content(page))

    def goose(page: str) -> str:
        from goose3 import Goose

        return str(Goose().extract(raw_html=page).cleaned_text)

    def resiliparse(page: str) -> str:
        from resiliparse.extract.html2text import extract_plain_text

        return str(extract_plain_text(page, main_content=True))

    return {"trafilatura (plain text)": trafilatura_alone, "readability-lxml": readability,
            "jusText": justext, "boilerpy3": boilerpy, "goose3": goose,
            "Resiliparse": resiliparse}


def compare() -> None:
    """Every extractor with briefing's element rules before it and text rules after it."""
    import lxml.html

    from briefing.read.html import _lift_points, decode_page, page_metadata, remove_boilerplate

    print()
    print("| extractor, with briefing's rules | must-read spoken | must-not spoken | median |")
    print("| --- | ---: | ---: | ---: |")
    specs = [(path, tomllib.loads(path.read_text(encoding="utf-8")))
             for path in sorted(PAGES.glob("*.toml"))]
    specs = [(path, spec) for path, spec in specs if not spec.get("error")]
    candidates: dict[str, Callable[[str], str] | None] = {"briefing (trafilatura + rules)": None}
    candidates.update(_others())
    for name, extract in candidates.items():
        read = wanted = never = 0
        times = []
        try:
            for path, spec in specs:
                data = path.with_suffix(".html").read_bytes()
                started = time.perf_counter()
                if extract is None:
                    try:
                        text = spoken_text(data, path.stem)
                    except InputError:
                        text = ""
                else:
                    tree = lxml.html.document_fromstring(decode_page(data, path.stem))
                    points, _ = _lift_points(tree, page_metadata(tree, None))
                    remove_boilerplate(tree)
                    raw = extract(lxml.html.tostring(tree, encoding="unicode"))
                    lines = [line.strip() for line in raw.splitlines() if line.strip()]
                    kept = [line for line in lines if boilerplate.text_rule_for(line) is None]
                    text = flat(" ".join(points + kept))
                times.append(time.perf_counter() - started)
                r, w, n = score(text, spec)
                read, wanted, never = read + r, wanted + w, never + n
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) | | |")
            continue
        print(f"| {name} | {read}/{wanted} ({100 * read / wanted:.0f}%) | {never} | "
              f"{statistics.median(times) * 1000:.1f} ms |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
    parser.add_argument("--compare", action="store_true",
                        help="also measure other extractors, where installed")
    args = parser.parse_args()
    good = report(max(1, args.runs))
    if args.compare:
        compare()
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
