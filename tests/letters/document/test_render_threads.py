"""Letters rendered at once in threads of one process (a threaded web server) each come out
whole: reportlab keeps the subsets of an embedded font on the one shared font object."""

from __future__ import annotations

import dataclasses
import sys
import threading

from portal.letters.document.pdf import render_letter_pdf
from tests.letters.pdfcheck import page_texts

# Names whose characters differ from letter to letter, so that each needs its own subset.
WORDS = [
    "东南西北",
    "春夏秋冬",
    "金木水火",
    "山川河海",
    "风雨雷电",
    "梅兰竹菊",
    "龙虎凤鹤",
    "日月星辰",
]


def test_letters_rendered_in_parallel_threads_are_each_complete(letter):
    letters = [
        dataclasses.replace(
            letter, exporter=dataclasses.replace(letter.exporter, name=f"{w}有限公司")
        )
        for w in WORDS * 3
    ]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(letters))

    def render(index: int) -> None:
        try:
            start.wait()
            results[index] = render_letter_pdf(letters[index]).pdf
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(i,)) for i in range(len(letters))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    for index, doc in enumerate(letters):
        assert doc.exporter.name in "".join(page_texts(results[index]))
