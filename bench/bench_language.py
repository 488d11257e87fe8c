"""Measure language detectors on the project's short questions: accuracy and time per question.

Usage: python bench/bench_language.py [--all]

English: the questions (and context) of eval/dev.jsonl, eval/phrasings.jsonl,
eval/es/titicaca-en.jsonl and eval/offtopic/general-knowledge.txt; Spanish: those of
eval/es/dev.jsonl, eval/es/general.jsonl and eval/es/titicaca.jsonl. The bot's own detector
(index/language.py) is always measured; --all also measures the candidates it was chosen among,
when installed (pip install lingua-language-detector langdetect): each restricted to English and
Spanish where it can be, and over all its languages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def questions(paths: list[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            out += [row["question"], *row.get("context", [])]
    return out


def sets() -> dict[str, list[str]]:
    english = questions(["eval/dev.jsonl", "eval/phrasings.jsonl", "eval/es/titicaca-en.jsonl"])
    general = (ROOT / "eval/offtopic/general-knowledge.txt").read_text(encoding="utf-8").splitlines()
    english += [line.strip() for line in general if line.strip() and not line.startswith("#")]
    spanish = questions(["eval/es/dev.jsonl", "eval/es/general.jsonl", "eval/es/titicaca.jsonl"])
    return {"en": english, "es": spanish}


def measure(name: str, setup: Callable[[], Callable[[str], str]], data: dict[str, list[str]]) -> None:
    started = time.perf_counter()
    detect = setup()
    detect("warm up: the model loads here")
    load = time.perf_counter() - started
    times: list[float] = []
    right: dict[str, float] = {}
    for language, texts in data.items():
        hits = 0
        for text in texts:
            started = time.perf_counter()
            hits += detect(text) == language
            times.append(time.perf_counter() - started)
        right[language] = 100.0 * hits / len(texts)
    times.sort()
    print(
        f"| {name} | {right['en']:.1f}% | {right['es']:.1f}% | {statistics.median(times) * 1e6:.0f} µs "
        f"| {times[int(0.99 * len(times))] * 1e6:.0f} µs | {load:.2f} s |"
    )


def ours() -> Callable[[str], str]:
    from article_bot.index import language

    return language.detect.__wrapped__  # uncached: every question measured afresh


def py3langid_all() -> Callable[[str], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    return lambda text: identifier.classify(text)[0]


def lingua(every: bool) -> Callable[[], Callable[[str], str]]:
    def setup() -> Callable[[str], str]:
        from lingua import Language, LanguageDetectorBuilder

        builder = (
            LanguageDetectorBuilder.from_all_languages()
            if every
            else LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        )
        detector = builder.build()
        codes = {Language.ENGLISH: "en", Language.SPANISH: "es"}
        return lambda text: codes.get(detector.detect_language_of(text), "")

    return setup


def langdetect() -> Callable[[str], str]:
    import langdetect as module

    module.DetectorFactory.seed = 0
    return module.detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also measure the other candidates")
    args = parser.parse_args()
    data = sets()
    print(f"{len(data['en'])} English and {len(data['es'])} Spanish questions\n")
    print("| detector | English right | Spanish right | median | p99 | first load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    measure("py3langid, en and es (the bot's)", ours, data)
    if args.all:
        candidates = [
            ("py3langid, all languages", py3langid_all),
            ("lingua, en and es", lingua(False)),
            ("lingua, all languages", lingua(True)),
            ("langdetect", langdetect),
        ]
        for name, setup in candidates:
            try:
                measure(name, setup, data)
            except ImportError:
                print(f"| {name} | not installed | | | | |")


if __name__ == "__main__":
    main()
