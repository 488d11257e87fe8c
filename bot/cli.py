"""The article-bot command: console, ask, eval, run and check."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from ..index.errors import ArticleBotError
from .console import ConsoleSession, console
from .loading import build_engine
from .settings import content_settings
from .texts import answer_text

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="article-bot",
        description="Answer questions about news articles with quotes cited to their passages.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--content",
        metavar="PATH",
        help="an article (.md) or a folder of them (default: $ARTICLE_BOT_CONTENT, else the bundled article)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    con = commands.add_parser("console", parents=[common], help="ask questions at a prompt (no token needed)")
    con.add_argument("--json", action="store_true", help="one JSON object per input line")
    ask = commands.add_parser("ask", parents=[common], help="answer one question and exit")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    evaluate = commands.add_parser("eval", parents=[common], help="score the bot on a question file")
    evaluate.add_argument("questions", metavar="FILE.jsonl")
    evaluate.add_argument("--show", action="store_true", help="list the questions it got wrong")
    commands.add_parser("run", parents=[common], help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    commands.add_parser("check", parents=[common], help="check the token and the content; exit 0 or 1")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; expected failures become one line on stderr and a non-zero exit."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _dispatch(args)
    except ArticleBotError as error:
        print(f"article-bot: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("run", "check"):
        from . import serving  # python-telegram-bot is imported only for the Telegram commands

        runner = serving.run if args.command == "run" else serving.check
        return runner(args.content)
    # --content, else ARTICLE_BOT_CONTENT, else the bundled article; MAX_ARTICLE_BYTES and
    # ARTICLE_BOT_CACHE from the environment (.env is the Telegram bot's: it holds the token).
    engine = build_engine(content_settings(os.environ, args.content))
    if args.command == "console":
        return console(engine, args.json)
    if args.command == "ask":
        result = ConsoleSession(engine).handle(args.question)
        print(json.dumps(result, ensure_ascii=False) if args.json else result["reply"])
        return 0
    from ..index.evaluate import evaluate_file, format_metrics

    metrics, misses = evaluate_file(engine, Path(args.questions), answer_text)
    if args.show:
        for miss in misses:
            print("MISS", *miss, sep=" | ")
    print(json.dumps(metrics))
    print(format_metrics(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
