"""One search over the knowledge base and the catalog (咨询答疑 + 办事指南).

Answers are read with the same understanding of citizens' words as the item search
(`catalog.search`: jieba words, the synonym list, pinyin initials, one-character typos): the
answer index *is* a `SearchIndex` whose documents are answers. An answer's question is its
"name" (the strongest field); its item's name counts like an item alias (so 营业执照 多久 finds
the answers of the business-licence items) and its answer text like an item's group (weaker).

The answers' item scores are then nudged by the item search: an answer of one of the best items
for the query gains a little, so "开饭店要什么证" prefers the food-licence answers among many
that mention 开店.

The index follows the catalog like the item index: one cheap query per call (catalog revision,
counts and last-change stamps of answers, items and synonyms) and a rebuild under a lock when it
moved.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Q

from onewindow.catalog import search as item_search
from onewindow.catalog.models import Answer, CatalogRevision, ItemStatus, ServiceItem, Synonym
from onewindow.catalog.search import SearchHit, SearchIndex, normalize

# An answer of one of the top items for the query gains this much (less for lower items).
ITEM_AGREES = 30.0
# Answers matching only through weak kinds far below the best are dropped (as for items).
STRONG_MATCH = item_search.STRONG_MATCH
WEAK_TAIL_RATIO = 0.5
WEAK_KINDS = item_search.WEAK_KINDS
# A hint word (办、申请…) in more than this share of the questions is dropped from a query.
COMMON_HINT_SHARE = 0.05
# Below this an answer is noise (a lone common word in a long answer text).
MIN_SCORE = 165.0
ANSWER_SYNONYMS = Path(__file__).resolve().parent / "data" / "answer_synonyms.tsv"
_LETTER_RUN = re.compile(r"[a-z]{2,12}")
_PINYIN = re.compile(r"[a-z]{2,30}")  # a query of letters only is read as pinyin


@cache
def answer_synonyms() -> tuple[tuple[str, str], ...]:
    """(term, words) of the knowledge search's own list: how citizens ask (多久, 收费 …)."""
    rows = []
    for line in ANSWER_SYNONYMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, _sep, words = line.partition("\t")
        rows.append((term.strip(), words.strip()))
    return tuple(rows)


def expand_initials(query: str) -> str:
    """Pinyin initials inside a Chinese question spelled out: yyzz要多久 → 营业执照要多久.

    Only runs that spell a synonym term or an item name exactly; a query of letters alone is
    left to the pinyin search itself.
    """
    text = unicodedata.normalize("NFKC", query).lower()
    if not _LETTER_RUN.search(text) or _LETTER_RUN.fullmatch(text.strip()):
        return query
    index = item_search.get_index()

    def spelled(match: re.Match[str]) -> str:
        letters = match.group(0)
        terms = index.synonym_spellings.get(letters)
        if terms:
            return terms[0]
        docs = index.initials_exact.get(letters)
        if docs:
            return index.docs[docs[0]].core
        return letters

    return _LETTER_RUN.sub(spelled, text)


class AnswerIndex(SearchIndex):
    """A SearchIndex over answers: no item types, no start/follow-up adjustments (a question
    that says 变更 or 查询 is not a follow-up item)."""

    item_ids: list[int | None]

    def _adjust(self, doc: Any, query_has_action: bool) -> float:
        return 0.0

    def top(self, raw: str, k: int) -> list[tuple[int, float, str]]:
        """The k best (doc number, score, why) scoring at least MIN_SCORE, best first: like
        `search`, without codes (answers have none) and without sorting every weak match."""
        raw = unicodedata.normalize("NFKC", raw or "")[: item_search.MAX_QUERY_CHARS]
        query = self.parse(raw)
        if query is None:
            return []
        scores = self.score_text(query)
        if _PINYIN.fullmatch(query.text):
            for n, (score, why) in self.score_pinyin(query.text).items():
                if n not in scores or score > scores[n][0]:
                    scores[n] = (score, why)
        docs = self.docs
        best = heapq.nsmallest(
            k,
            ((n, sw) for n, sw in scores.items() if sw[0] >= MIN_SCORE),
            key=lambda kv: (-kv[1][0], len(docs[kv[0]].core), kv[0]),
        )
        return [(n, score, why) for n, (score, why) in best]

    def parse(self, raw: str) -> Any:
        """As for items, minus hint words found in a large share of the questions (办、申请…):
        they rank nothing, yet would make nearly every answer a candidate."""
        query = super().parse(raw)
        if query is None:
            return None
        common = len(self.docs) * COMMON_HINT_SHARE
        keep = [s for s in query.slots if not (s.soft and len(self.names.find(s.word)) > common)]
        if keep and len(keep) < len(query.slots):
            query.slots = keep
        return query


@dataclass(frozen=True)
class AnswerHit:
    answer: Answer
    score: float
    matched: str = ""


@dataclass(frozen=True)
class AskResult:
    query: str
    answers: list[AnswerHit]
    items: list[SearchHit]

    @property
    def item_list(self) -> list[ServiceItem]:
        return [hit.item for hit in self.items]

    @property
    def found(self) -> bool:
        return bool(self.answers or self.items)

    @property
    def is_gap(self) -> bool:
        """No answer, and no item that matches well: the knowledge base lacks something."""
        return not self.answers and (not self.items or self.items[0].score < STRONG_MATCH)


_lock = threading.Lock()
_index: AnswerIndex | None = None
_answer_pks: list[int] = []


def _fingerprint() -> tuple[Any, ...]:
    qn = connection.ops.quote_name
    rev = qn(CatalogRevision._meta.db_table)
    ans = qn(Answer._meta.db_table)
    item = qn(ServiceItem._meta.db_table)
    syn = qn(Synonym._meta.db_table)
    sql = (
        f"SELECT (SELECT {qn('revision')} FROM {rev} WHERE {qn('id')} = 1),"
        f" (SELECT COUNT(*) FROM {ans}), (SELECT MAX({qn('updated_at')}) FROM {ans}),"
        f" (SELECT MAX({qn('id')}) FROM {ans}),"
        f" (SELECT MAX({qn('updated_at')}) FROM {item}),"
        f" (SELECT COUNT(*) FROM {syn}), (SELECT MAX({qn('updated_at')}) FROM {syn})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return (connection.alias, connection.settings_dict.get("NAME"), *row)


def searchable_answers() -> Any:
    """General answers and those of published items."""
    return Answer.objects.filter(Q(item__isnull=True) | Q(item__status=ItemStatus.PUBLISHED))


def _build(key: Any) -> AnswerIndex:
    rows = list(
        searchable_answers()
        .order_by("pk")
        .values(
            "pk",
            "item_id",
            "question",
            "answer",
            "item__name",
            "item__department_id",
            "item__department__name",
            "item__department__short_name",
        )
    )
    docs = [
        {
            "pk": r["pk"],
            "name": r["question"],
            # The answer text is the weak field; its first 200 characters say what it is about.
            "group": normalize(r["answer"])[:200],
            # The item's name must not be split into several aliases.
            "aliases": normalize(r["item__name"] or ""),
            "item_type": "",
            "audience": "",
            "department_id": r["item__department_id"] or 0,
            "department__name": r["item__department__name"] or "",
            "department__short_name": r["item__department__short_name"] or "",
            "department__codes": "",
            "implementation_code": "",
            "basic_code": "",
            "handling_code": "",
        }
        for r in rows
    ]
    synonyms = dict(Synonym.objects.order_by("term").values_list("term", "canonical"))
    for term, words in answer_synonyms():
        synonyms.setdefault(term, words)
    index = AnswerIndex(key, docs, sorted(synonyms.items()))
    index.item_ids = [r["item_id"] for r in rows]
    return index


def get_answer_index() -> AnswerIndex:
    """The current answer index, rebuilt when answers, items or synonyms changed."""
    global _index
    key = _fingerprint()
    index = _index
    if index is not None and index.key == key:
        return index
    with _lock:
        index = _index
        if index is None or index.key != key:
            index = _build(key)
            _index = index
    return index


def invalidate_index() -> None:
    global _index
    with _lock:
        _index = None


def search_answers(
    query: str, *, limit: int = 5, items: list[SearchHit] | None = None
) -> list[AnswerHit]:
    """Answers best matching a citizen's words, best first (with their item loaded)."""
    if not query or not query.strip() or limit <= 0:
        return []
    index = get_answer_index()
    results = index.top(query, limit * 20)
    item_rank: dict[int, int] = {}
    for rank, hit in enumerate(items or []):
        item_rank.setdefault(hit.item.pk, rank)
    scored = results
    if item_rank and scored:
        boosted = []
        for n, score, why in scored:
            rank = item_rank.get(index.item_ids[n] or 0)
            if rank is not None and score >= MIN_SCORE:
                score += ITEM_AGREES / (1 + rank)
            boosted.append((n, score, why))
        scored = sorted(boosted, key=lambda r: (-r[1], len(index.docs[r[0]].core), r[0]))
    picked: list[tuple[int, float, str]] = []
    for n, score, why in scored:
        if score < MIN_SCORE:
            continue
        if (
            why in WEAK_KINDS
            and picked
            and picked[0][1] >= STRONG_MATCH
            and score < picked[0][1] * WEAK_TAIL_RATIO
        ):
            continue
        picked.append((index.docs[n].pk, score, why))
        if len(picked) >= limit:
            break
    if not picked:
        return []
    answers = Answer.objects.select_related("item").order_by().in_bulk([pk for pk, _, _ in picked])
    return [
        AnswerHit(answer=answers[pk], score=round(score, 2), matched=why)
        for pk, score, why in picked
        if pk in answers
    ]


def ask(query: str, *, limit: int = 5, item_limit: int = 5) -> AskResult:
    """Answers and items for a citizen's question, each list ranked best first."""
    query = (query or "").strip()[: item_search.MAX_QUERY_CHARS]
    if not query:
        return AskResult(query="", answers=[], items=[])
    words = expand_initials(query)
    items = item_search.search_items(words, limit=item_limit)
    answers = search_answers(words, limit=limit, items=items)
    return AskResult(query=query, answers=answers, items=items)
