"""What the page reads from a briefing's own files."""

from __future__ import annotations

from pathlib import Path

from briefing.page.views import read_cues


def test_cue_times_are_the_files_milliseconds_exactly(tmp_path: Path) -> None:
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:29.290 --> 00:00:29.798\nA &amp; B.\n\n"
                   "2\n01:02:03.004 --> 01:02:03.100\nC.\n", encoding="utf-8")
    cues = read_cues(vtt)
    # As the page writes and the browser parses them: "29.798", not 29.798000000000002.
    assert [(cue.start, cue.end, cue.text) for cue in cues] == [
        (29.29, 29.798, "A & B."), (3723.004, 3723.1, "C.")]
