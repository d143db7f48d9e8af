"""Guide search (办事指南搜索): finds items from the words citizens use.

Reading a query
  * Normalised: NFKC (full-width to half-width), lower case, punctuation and spaces dropped, cut
    to 100 characters.
  * Code-like text (at least 6 letters/digits/hyphens, at least 3 digits) is looked up in the
    implementation, basic and handling codes: the whole code, a prefix or a substring.
  * Letters only are also read as pinyin: initials (``gtgh``, ``sbk``) or whole pinyin
    (``dibao``) of item names and of synonym terms.
  * Text is cut into *slots*: synonym terms (``Synonym`` rows, longest match first), then jieba
    words for the rest, minus filler words (我想、怎么办…). A slot matches an item when its word,
    or one of the synonym's catalog words, occurs in the item's name (or alias, group or
    department, each worth less). A word found nowhere (a typo, a word the catalog does not use)
    falls back to its known pieces (户口本 → 户口). Beside a real catalog word, lone characters
    (交、开、护…) and soft words (办理、申请、审批…) are hints, not requirements. A synonym term
    never takes the end of a catalog word (代开发票 is 代开 + 发票, not 代 + 开发票).

Ranking bands (see the constants below)
  1000 exact name · 900 the name contains the query · 800 the name has every query word.
  A match through a synonym or an alias ranks just below the same match of the word itself
  (990 / 890 / 790): the maintained list says what citizens mean (开饭店 → 食品经营许可).
  400 the name holds the query with one wrong, missing or extra character (个体工商护).
  200–350 some of the words (weighted by how rare each word is) · 150 group · 100 department.
  Pinyin: 950 initials or pinyin of the whole name, 860 at its start, 780 inside it, 650 with one
  slip (a left-out letter: gtgh for gtgsh); a synonym term typed in pinyin scores
  700 + 0.2 × what the term itself scores (sbk → 社保卡 → 社会保障卡).
  Codes: 1000 the whole code, 950 a prefix, 900 a substring, 300 a department's code.

Adjustments inside a band
  up to +40 for coverage (how much of the name the query covers, so 社会保障卡申领 beats a long
  name that merely mentions 社会保障卡); +12 for the item types citizens usually mean (licence,
  public service, confirmation, payment) and −10 for penalty, inspection and coercion; +15 when
  the item carries both the citizen's word and the synonym's catalog word (退休 → 正常退休: of
  the many items about retiring, the one the list points at); and when the query names no
  follow-up action:
  +10 for items that start something (设立、新办、核发、申领…) and −150 for follow-up items
  (注销、变更、补领、查询…), because someone who types 结婚证 or 卫生许可证 wants to get one, not
  to replace one. Ties go to the shorter name.

The index
  One in-memory index per process, built from the published items and the synonym list. Every
  call makes one cheap query (the catalog revision plus row counts and last-change stamps of items
  and synonyms); when that differs from the index's, the index is rebuilt under a lock. Filters
  apply in memory and the top ``limit`` items are fetched with one more query.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from onewindow.catalog.models import CatalogRevision, ItemType, ServiceItem, Synonym

MAX_QUERY_CHARS = 100
_MAX_TERM_SCAN = 20  # longest synonym term looked for inside a query
_MAX_PARTS_WORD = 8  # longer unknown words (digit runs, junk) are not taken apart

# Score bands.
EXACT, CONTAINS, ALL_WORDS = 1000.0, 900.0, 800.0
SYNONYM_GAP = 10.0
SYN_EXACT = EXACT - SYNONYM_GAP
SYN_CONTAINS = CONTAINS - SYNONYM_GAP
SYN_ALL_WORDS = ALL_WORDS - SYNONYM_GAP
FUZZY, PARTIAL, PARTIAL_SPAN, GROUP, DEPARTMENT = 400.0, 200.0, 150.0, 150.0, 100.0
PINYIN_EXACT, PINYIN_PREFIX, PINYIN_INSIDE, PINYIN_SLIP = 950.0, 860.0, 780.0, 650.0
PINYIN_SYNONYM_BASE, PINYIN_SYNONYM_SHARE = 700.0, 0.2
CODE_EXACT, CODE_PREFIX, CODE_INSIDE, CODE_DEPARTMENT = 1000.0, 950.0, 900.0, 300.0
# Adjustments.
COVERAGE = 40.0
SYNONYM_AGREES = 15.0
STARTS_BONUS, FOLLOW_UP_DROP = 10.0, -150.0
_TYPE_BOOST = {
    ItemType.LICENSING: 12.0,
    ItemType.PUBLIC_SERVICE: 12.0,
    ItemType.CONFIRMATION: 12.0,
    ItemType.PAYMENT: 12.0,
    ItemType.PENALTY: -10.0,
    ItemType.INSPECTION: -10.0,
    ItemType.COERCION: -10.0,
}
# What a word is worth in a partial match, by where it was found (the name itself = 1).
SYNONYM_CREDIT, ALIAS_CREDIT, PARTS_CREDIT = 0.85, 0.8, 0.6
GROUP_CREDIT, DEPARTMENT_CREDIT = 0.5, 0.3

# Words that carry no meaning for finding an item (what people say around the item's name).
_FILLER_TEXT = """
    我 我们 你 你们 他 她 想 想要 要 需要 请问 请 问 问下 问一下 怎么 怎样 怎么样 如何 怎么办 咋
    咋办 哪里 在哪 在哪里 在哪儿 去哪 去哪里 去哪儿 哪儿 哪个 哪些 什么 啥 的 了 吗 呢 啊 吧 呀 嘛
    哦 喔 一下 去 能 能否 能不能 可以 可不可以 是否 有 有没有 该 应该 流程 手续 材料 资料 带 准备
    所需 相关 关于 给 帮 帮我 个 一个 事 事情 业务 要求 条件 多久 多少 多少钱 费用 时间 地方 窗口
    是 在 和 与 及 或 还是 都 也 就 还 又 再 如果 但是 因为 所以 这 那 这个 那个 怎么弄 弄 搞 得 地
    着 过
"""
FILLER_WORDS = frozenset(_FILLER_TEXT.split())
# Words that help when present but are not required (a name rarely repeats them).
SOFT_WORDS = frozenset(["办", "办理", "申请", "申办", "领", "领取", "办证", "证件", "审批"])
# Items that start something, and follow-up items (see "Adjustments" above).
_STARTS = (
    "设立", "新办", "核发", "申领", "首次", "初次", "成立", "新增", "初领", "新设", "签发", "配发",
)  # fmt: skip
_FOLLOWS = (
    "注销", "变更", "延续", "续期", "补办", "补发", "补领", "补证", "换发", "换领", "换证", "遗失",
    "挂失", "撤销", "终止", "转出", "转入", "过户", "复审", "解挂", "暂停", "恢复", "停业", "歇业",
    "报停", "更正", "封存", "解封", "解除", "修改", "重置", "延期", "作废", "缴销", "退费", "查询",
    "咨询", "指引", "投诉",
)  # fmt: skip

_WORD_CHARS = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PARENS = re.compile(r"\([^()]*\)")
_CODE = re.compile(r"[0-9A-Z-]{6,}")
_LETTERS = re.compile(r"[a-z]{2,30}")


@dataclass(frozen=True)
class SearchHit:
    item: ServiceItem
    score: float  # for ordering only (a weak follow-up match may even be below zero)
    # Why the item was found: name, synonym, alias, pinyin, code, fuzzy, partial, group,
    # department.
    matched: str = ""


def normalize(text: str) -> str:
    """Lower-case text with only letters, digits and Chinese characters (full-width folded)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(_WORD_CHARS.findall(text))


def department_variants(name: str) -> set[str]:
    """区民政局 → {区民政局, 民政局}; 广安区税务局 → {广安区税务局, 税务局} (3+ characters)."""
    full = normalize(name)
    variants = {full}
    cut = full.find("区", 0, 4)
    if cut < 0:
        cut = full.find("县", 0, 4)
    if cut >= 0:
        variants.add(full[cut + 1 :])
    return {v for v in variants if len(v) >= 3}


def split_department(index: Any, query: str) -> tuple[int | None, str]:
    """A department named in the query, and the rest of the query (民政局 低保 → 民政局, 低保)."""
    text = normalize(query)
    best = ""
    for word in index.department_words:
        if len(word) > len(best) and word in text:
            best = word
    if not best:
        return None, query
    rest = text.replace(best, "", 1)
    if len(rest) < 2:
        return None, query
    return index.department_words[best], rest


def core_name(text: str) -> str:
    """The normalised name without remarks in brackets: 食品(含保健食品)经营许可 → 食品经营许可."""
    text = unicodedata.normalize("NFKC", text or "")
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return normalize(text)


def parse_canonical(canonical: str) -> tuple[str, ...]:
    """The catalog words of a synonym: several may be given, separated by "|"."""
    words = (normalize(part) for part in unicodedata.normalize("NFKC", canonical).split("|"))
    return tuple(dict.fromkeys(w for w in words if w))


_spellings: dict[str, tuple[str, str, frozenset[int]]] = {}


def spell(text: str) -> tuple[str, str, frozenset[int]]:
    """(initials, whole pinyin, syllable boundaries) of normalised text; cached per process.

    社会保障卡 → ("shbzk", "shehuibaozhangka", {0, 3, 6, 9, 14, 16}). Letters and digits in the
    text stay as they are.
    """
    cached = _spellings.get(text)
    if cached is None:
        from pypinyin import lazy_pinyin

        initials, pinyin, bounds, pos = [], [], {0}, 0
        at = 0
        for chunk in lazy_pinyin(text):
            chunk = chunk.lower()
            if at < len(text) and _HAN.match(text[at]):
                initials.append(chunk[:1])
                at += 1
            else:
                initials.append(chunk)
                at += len(chunk)
            pinyin.append(chunk)
            pos += len(chunk)
            bounds.add(pos)
        cached = ("".join(initials), "".join(pinyin), frozenset(bounds))
        if len(_spellings) > 50000:
            _spellings.clear()
        _spellings[text] = cached
    return cached


def one_edit_pattern(word: str) -> re.Pattern[str]:
    """A regex finding `word` with at most one wrong, missing or extra character."""
    options = {re.escape(word)}
    for i in range(len(word)):
        head, tail = re.escape(word[:i]), re.escape(word[i + 1 :])
        options.add(head + tail)  # a character missing
        options.add(head + "." + tail)  # a wrong character
        if i:
            options.add(re.escape(word[:i]) + "." + re.escape(word[i:]))  # an extra character
    return re.compile("|".join(sorted(options, key=len, reverse=True)))


class _Field:
    """Many short texts joined into one string, so a substring test over all items is one scan."""

    def __init__(self, texts: Iterable[tuple[int, str]]) -> None:
        self.owner: list[int] = []
        self.starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for doc, text in texts:
            if not text:
                continue
            self.owner.append(doc)
            self.starts.append(pos)
            parts.append(text)
            pos += len(text) + 1
        self.blob = "\x00".join(parts)
        self._cache: dict[str, frozenset[int]] = {}

    def positions(self, word: str) -> Iterable[tuple[int, int, int]]:
        """(doc, offset within its text, text number) of every text containing `word`."""
        if not word:
            return
        blob, starts = self.blob, self.starts
        i = blob.find(word)
        while i != -1:
            k = bisect.bisect_right(starts, i) - 1
            yield self.owner[k], i - starts[k], k
            i = blob.find(word, i + 1)

    def length(self, k: int) -> int:
        """Length of text number k."""
        end = self.starts[k + 1] - 1 if k + 1 < len(self.starts) else len(self.blob)
        return end - self.starts[k]

    def find(self, word: str) -> frozenset[int]:
        hit = self._cache.get(word)
        if hit is None:
            hit = frozenset(doc for doc, _, _ in self.positions(word))
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[word] = hit
        return hit


@dataclass(slots=True)
class _Doc:
    pk: int
    name: str
    full: str
    core: str
    department_id: int
    item_type: str
    audience: str
    boost: float
    starts: bool
    follows: bool


@dataclass
class _Slot:
    word: str
    alts: tuple[str, ...] = ()  # the synonym's catalog words
    # For a word found nowhere (a typo, a word the catalog does not use): its known sub-words or
    # characters with their share of the word's rarity.
    parts: tuple[tuple[str, float], ...] = ()
    soft: bool = False
    weight: float = 1.0


@dataclass
class _Query:
    text: str
    clean: str
    slots: list[_Slot]
    variants: list[str] = field(default_factory=list)
    has_action: bool = False


Scores = dict[int, tuple[float, str]]


def _offer(scores: Scores, doc: int, score: float, why: str) -> None:
    if doc not in scores or score > scores[doc][0]:
        scores[doc] = (score, why)


class SearchIndex:
    """Everything search needs, in memory; immutable once built (a rebuild makes a new one)."""

    def __init__(
        self,
        key: Any,
        items: list[dict[str, Any]],
        synonyms: list[tuple[str, str]],
    ) -> None:
        self.key = key
        self.docs: list[_Doc] = []
        names, groups, aliases, departments, codes, dept_codes = [], [], [], [], [], []
        initials, pinyins = [], []
        self.name_exact: dict[str, list[int]] = {}
        self.alias_exact: dict[str, list[int]] = {}
        self.initials_exact: dict[str, list[int]] = {}
        self.code_exact: dict[str, list[int]] = {}
        self.pinyin_bounds: list[frozenset[int]] = []
        self.bigrams: dict[str, set[int]] = {}
        # How citizens name a department in a query (区民政局, 民政局) → its id.
        self.department_words: dict[str, int] = {}
        for n, row in enumerate(items):
            full, core = normalize(row["name"]), core_name(row["name"])
            self.docs.append(
                _Doc(
                    pk=row["pk"],
                    name=row["name"],
                    full=full,
                    core=core or full,
                    department_id=row["department_id"],
                    item_type=row["item_type"],
                    audience=row["audience"],
                    boost=_TYPE_BOOST.get(row["item_type"], 0.0),
                    starts=any(w in full for w in _STARTS),
                    follows=any(w in full for w in _FOLLOWS),
                )
            )
            for text in {full, core}:
                if text:
                    names.append((n, text))
                    self.name_exact.setdefault(text, []).append(n)
                    for i in range(len(text) - 1):
                        self.bigrams.setdefault(text[i : i + 2], set()).add(n)
            group = row["group"] or ""
            groups.extend((n, t) for t in {normalize(group), core_name(group)} if t)
            for alias in ServiceItem(aliases=row["aliases"] or "").alias_list():
                alias = normalize(alias)
                if alias:
                    aliases.append((n, alias))
                    self.alias_exact.setdefault(alias, []).append(n)
            for dept in (row["department__name"], row["department__short_name"]):
                if dept:
                    departments.append((n, normalize(dept)))
                    for variant in department_variants(dept):
                        self.department_words.setdefault(variant, row["department_id"])
            for code in (row["implementation_code"], row["basic_code"], row["handling_code"]):
                code = re.sub(r"\s+", "", code or "").upper()
                if code:
                    codes.append((n, code))
                    self.code_exact.setdefault(code, []).append(n)
            for code in re.split(r"[\s,，、;；/]+", row["department__codes"] or ""):
                if code:
                    dept_codes.append((n, code.upper()))
            ini, pinyin, bounds = spell(core or full)
            initials.append((n, ini))
            self.initials_exact.setdefault(ini, []).append(n)
            pinyins.append((n, pinyin))
            self.pinyin_bounds.append(bounds)
        self.names = _Field(names)
        self.groups = _Field(groups)
        self.aliases = _Field(aliases)
        self.departments = _Field(departments)
        self.codes = _Field(codes)
        self.dept_codes = _Field(dept_codes)
        self.initials = _Field(initials)
        self.pinyins = _Field(pinyins)

        self.synonyms: dict[str, tuple[str, ...]] = {}
        self.synonym_spellings: dict[str, list[str]] = {}
        for term, canonical in synonyms:
            term_n = normalize(term)
            if not term_n:
                continue
            alts = tuple(a for a in parse_canonical(canonical) if a != term_n)
            self.synonyms[term_n] = alts
            if _HAN.search(term_n):
                for spelling in set(spell(term_n)[:2]):
                    self.synonym_spellings.setdefault(spelling, []).append(term_n)
        self.max_term = min(max((len(t) for t in self.synonyms), default=1), _MAX_TERM_SCAN)
        self._tokenizer = _tokenizer()
        # The words of the catalog's names, as jieba cuts them (代开, 发票, 户口 …).
        self.vocabulary = {
            w for doc in self.docs for w in self._tokenizer.cut_for_search(doc.core) if len(w) > 1
        }

    # Query reading ---------------------------------------------------------------------------

    def known(self, word: str) -> bool:
        return bool(
            self.names.find(word)
            or self.aliases.find(word)
            or self.groups.find(word)
            or (len(word) > 1 and self.departments.find(word))
        )

    def parse(self, raw: str) -> _Query | None:
        text = normalize(raw)
        segments = _WORD_CHARS.findall(unicodedata.normalize("NFKC", raw).lower())
        slots: list[_Slot] = []
        for segment in segments:
            slots.extend(self._segment_slots(segment))
        if not slots:
            return None
        if not any(s.alts or not s.parts and self.known(s.word) for s in slots):
            # Nothing in the query is a catalog word: single characters of unknown words would
            # only find noise (火星移民 → 民), so just their longer known pieces count.
            for s in slots:
                s.parts = tuple(p for p in s.parts if len(p[0]) > 1)
        if any(len(s.word) > 1 and (s.alts or self.known(s.word)) for s in slots):
            # Beside a real catalog word, a lone character (交、开、小、护…) is a hint, not a
            # requirement.
            for s in slots:
                if len(s.word) == 1 and not s.alts:
                    s.soft = True
        if all(s.soft for s in slots):
            for s in slots:
                s.soft = False
        clean = "".join(s.word for s in slots if not s.soft)
        variants = self._variants(slots)
        words = [text, *(a for s in slots for a in s.alts)]
        has_action = any(a in w for w in words for a in _FOLLOWS)
        total = len(self.docs) + 1
        for s in slots:
            df = len(self.names.find(s.word).union(*(self.names.find(a) for a in s.alts)))
            if not df:
                # A word found nowhere is likely noise or a typo: worth no more than its most
                # common known piece.
                df = max((len(self.names.find(p)) for p, _ in s.parts), default=total - 1)
            s.weight = (1.0 + math.log(total / (df + 1))) * (0.3 if s.soft else 1.0)
        return _Query(text=text, clean=clean, slots=slots, variants=variants, has_action=has_action)

    def _segment_slots(self, segment: str) -> list[_Slot]:
        slots: list[_Slot] = []
        start = i = 0
        while i < len(segment):
            # A term must not steal the end of a catalog word: in 代开发票 the term 开发票 would
            # take 开 from 代开.
            for length in range(min(self.max_term, len(segment) - i), 0, -1):
                term = segment[i : i + length]
                alts = self.synonyms.get(term)
                if alts is not None and i > start and self._steals(segment[i - 1], term):
                    alts = None
                if alts is not None:
                    slots.extend(self._word_slots(segment[start:i]))
                    slots.append(_Slot(word=segment[i : i + length], alts=alts))
                    i += length
                    start = i
                    break
            else:
                i += 1
        slots.extend(self._word_slots(segment[start:]))
        return slots

    def _word_slots(self, piece: str) -> list[_Slot]:
        if not piece:
            return []
        words: list[str] = []
        for word in self._tokenizer.cut(piece):
            word = word.strip()
            if not word:
                continue
            if words and word in self.synonyms and self._steals(words[-1][-1], word):
                # jieba cut 代开发票 as 代|开发票, but 代开 and 发票 are the catalog's words.
                words[-1], word = words[-1] + word[0], word[1:]
            words.append(word)
        slots = []
        for word in words:
            if word in FILLER_WORDS:
                continue
            if word in self.synonyms:
                slots.append(_Slot(word=word, alts=self.synonyms[word]))
            elif word in SOFT_WORDS:
                slots.append(_Slot(word=word, soft=True))
            elif len(word) > 1 and not self.known(word):
                parts = self._parts(word) if len(word) <= _MAX_PARTS_WORD else ()
                slots.append(_Slot(word=word, parts=parts))
            else:
                slots.append(_Slot(word=word))
        return slots

    def _steals(self, before: str, term: str) -> bool:
        """Whether a synonym term would take the end of a catalog word: 代 + 开发票 (代开, 发票)."""
        return (
            len(term) > 1
            and before not in FILLER_WORDS
            and before + term[0] in self.vocabulary
            and term[1:] in self.vocabulary
        )

    def _parts(self, word: str) -> tuple[tuple[str, float], ...]:
        """Known pieces of an unknown word, longest first, each with its share of the rarity."""
        pieces: list[str] = []
        i = 0
        while i < len(word):
            for length in range(len(word) - i, 0, -1):
                piece = word[i : i + length]
                if length < len(word) and piece not in FILLER_WORDS and self.known(piece):
                    pieces.append(piece)
                    i += length
                    break
            else:
                i += 1
        total = len(self.docs) + 1
        rarity = {p: math.log(total / (len(self.names.find(p)) + 1)) * len(p) for p in pieces}
        whole = sum(rarity.values())
        if whole <= 0:
            return ()
        return tuple((p, r / whole) for p, r in rarity.items() if r > 0)

    def _variants(self, slots: list[_Slot]) -> list[str]:
        """The query rewritten with the synonyms' catalog words (a few combinations at most)."""
        variants = [""]
        for s in slots:
            if s.soft:
                continue
            options = [s.word, *s.alts] if s.alts else [s.word]
            variants = [v + o for v in variants for o in options][:16]
        clean = "".join(s.word for s in slots if not s.soft)
        return [v for v in variants if v and v != clean]

    # Scoring -----------------------------------------------------------------------------------

    def _adjust(self, doc: _Doc, query_has_action: bool) -> float:
        bonus = doc.boost
        if not query_has_action:
            # 道路运输证核发（注销） is a follow-up although it says 核发.
            if doc.follows:
                bonus += FOLLOW_UP_DROP
            elif doc.starts:
                bonus += STARTS_BONUS
        return bonus

    def _coverage(self, doc: _Doc, length: int) -> float:
        return COVERAGE * min(1.0, length / max(1, len(doc.core)))

    def score_text(self, query: _Query) -> Scores:
        names, docs, slots = self.names, self.docs, query.slots
        total_weight = sum(s.weight for s in slots) or 1.0
        required = sum(1 for s in slots if not s.soft)
        name_credit: dict[int, float] = defaultdict(float)
        other_credit: dict[int, float] = defaultdict(float)
        matched_len: dict[int, int] = defaultdict(int)
        all_direct: Counter[int] = Counter()  # required slots matched by the word itself
        all_any: Counter[int] = Counter()  # … by the word, a synonym or an alias
        by_synonym: set[int] = set()  # items carrying one of the synonyms' catalog words
        agrees: set[int] = set()  # … and the citizen's word itself
        in_group: set[int] = set()
        for s in slots:
            w = s.weight
            direct = names.find(s.word)
            via_alt: dict[int, int] = {}
            for a in s.alts:
                hits = names.find(a)
                by_synonym |= hits
                agrees |= hits & direct
                for n in hits - direct:
                    via_alt[n] = max(via_alt.get(n, 0), len(a))
            alias = self.aliases.find(s.word).union(*(self.aliases.find(a) for a in s.alts))
            alias = alias - direct - via_alt.keys()
            for n in direct:
                name_credit[n] += w
                matched_len[n] += len(s.word)
            for n, length in via_alt.items():
                name_credit[n] += w * SYNONYM_CREDIT
                matched_len[n] += length
            for n in alias:
                name_credit[n] += w * ALIAS_CREDIT
            if s.parts:
                share_of: dict[int, float] = defaultdict(float)
                for piece, share in s.parts:
                    for n in names.find(piece):
                        share_of[n] += share
                for n, share in share_of.items():
                    name_credit[n] += w * PARTS_CREDIT * share
            group = self.groups.find(s.word).union(*(self.groups.find(a) for a in s.alts))
            for n in group:
                other_credit[n] += w * GROUP_CREDIT
            in_group |= group
            if len(s.word) > 1:
                dept = self.departments.find(s.word).union(
                    *(self.departments.find(a) for a in s.alts)
                )
                for n in dept - group:
                    other_credit[n] += w * DEPARTMENT_CREDIT
            if not s.soft:
                all_direct.update(direct)
                all_any.update(direct)
                all_any.update(via_alt.keys())
                all_any.update(alias)

        wholes = {query.clean, query.text} - {""}
        whole_exact = {d for w in wholes for d in self.name_exact.get(w, ())}
        whole_in = names.find(query.clean) if query.clean else frozenset()
        variant_exact = {d for v in query.variants for d in self.name_exact.get(v, ())}
        variant_in = frozenset().union(*(names.find(v) for v in query.variants))
        alias_exact = {d for w in wholes for d in self.alias_exact.get(w, ())}
        alias_in = self.aliases.find(query.clean) if query.clean else frozenset()
        fuzzy = self._fuzzy(query.clean)
        candidates = (
            name_credit.keys() | other_credit.keys() | whole_exact | whole_in | variant_exact
        )
        candidates |= variant_in | alias_exact | alias_in | fuzzy
        whole_len = len(query.clean)
        scores: Scores = {}
        for n in candidates:
            doc = docs[n]
            adjust = self._adjust(doc, query.has_action)
            if n in agrees:
                adjust += SYNONYM_AGREES
            if n in whole_exact:
                scores[n] = (EXACT + adjust, "name")
            elif n in whole_in:
                scores[n] = (CONTAINS + self._coverage(doc, whole_len) + adjust, "name")
            elif required and all_direct[n] == required:
                scores[n] = (ALL_WORDS + self._coverage(doc, matched_len[n]) + adjust, "name")
            elif n in variant_exact:
                scores[n] = (SYN_EXACT + adjust, "synonym")
            elif n in alias_exact:
                scores[n] = (SYN_EXACT + adjust, "alias")
            elif n in variant_in:
                cover = max(len(v) for v in query.variants if v in doc.full or v in doc.core)
                scores[n] = (SYN_CONTAINS + self._coverage(doc, cover) + adjust, "synonym")
            elif n in alias_in:
                scores[n] = (SYN_CONTAINS + adjust, "alias")
            elif required and all_any[n] == required:
                why = "synonym" if n in by_synonym else "alias"
                cover = self._coverage(doc, matched_len[n])
                scores[n] = (SYN_ALL_WORDS + cover + adjust, why)
            elif n in fuzzy:
                scores[n] = (FUZZY + self._coverage(doc, whole_len) + adjust, "fuzzy")
            elif name_credit.get(n):
                credit = name_credit[n] / total_weight
                scores[n] = (PARTIAL + PARTIAL_SPAN * credit + adjust, "partial")
            elif other_credit.get(n):
                credit = other_credit[n] / total_weight
                base, why = (GROUP, "group") if n in in_group else (DEPARTMENT, "department")
                scores[n] = (base + 40 * credit + adjust, why)
        return scores

    def _fuzzy(self, word: str) -> set[int]:
        """Items whose name holds `word` with one wrong, missing or extra character."""
        m = len(word)
        if m < 4 or m > 40:
            return set()
        counts: Counter[int] = Counter()
        for i in range(m - 1):
            counts.update(self.bigrams.get(word[i : i + 2], ()))
        # One edit breaks at most two of the word's bigrams.
        need = max(1, (m - 1) - 2)
        pattern = one_edit_pattern(word)
        found = set()
        for n, c in counts.items():
            if c >= need:
                doc = self.docs[n]
                if pattern.search(doc.core) or pattern.search(doc.full):
                    found.add(n)
        return found

    def score_pinyin(self, letters: str) -> Scores:
        scores: Scores = {}
        for term in self.synonym_spellings.get(letters, ()):
            query = self.parse(term)
            if query is None:
                continue
            for n, (score, _) in self.score_text(query).items():
                pinyin_score = PINYIN_SYNONYM_BASE + PINYIN_SYNONYM_SHARE * score
                _offer(scores, n, pinyin_score, "pinyin")
        m = len(letters)
        for n in self.initials_exact.get(letters, ()):
            _offer(scores, n, PINYIN_EXACT + self._adjust(self.docs[n], False), "pinyin")
        for field_, is_initials in ((self.initials, True), (self.pinyins, False)):
            if not is_initials and m < 4:
                continue
            for n, offset, k in field_.positions(letters):
                if not is_initials:
                    bounds = self.pinyin_bounds[n]
                    if offset not in bounds or offset + m not in bounds:
                        continue
                length = field_.length(k)
                doc = self.docs[n]
                adjust = self._adjust(doc, False) + COVERAGE * min(1.0, m / max(1, length))
                if offset == 0 and m == length:
                    _offer(scores, n, PINYIN_EXACT + adjust, "pinyin")
                elif offset == 0:
                    _offer(scores, n, PINYIN_PREFIX + adjust, "pinyin")
                elif m >= 3 or not is_initials:
                    _offer(scores, n, PINYIN_INSIDE + adjust, "pinyin")
        if m >= 4:
            # One slip: a letter left out (gtgh for gtgsh); from 5 letters also a wrong or an
            # extra letter. At least the first or the last pair of letters survives.
            near = self.initials.find(letters[:2]) | self.initials.find(letters[-2:])
            slip = one_edit_pattern(letters) if m >= 5 else None
            left_out = re.compile(
                "|".join(re.escape(letters[:i]) + "." + re.escape(letters[i:]) for i in range(1, m))
            )
            for n in near:
                if n in scores:
                    continue
                ini = spell(self.docs[n].core)[0]
                if left_out.search(ini) or (m >= 5 and slip and slip.search(ini)):
                    adjust = self._adjust(self.docs[n], False)
                    adjust += COVERAGE * min(1.0, m / max(1, len(ini)))
                    _offer(scores, n, PINYIN_SLIP + adjust, "pinyin")
        return scores

    def score_code(self, code: str) -> Scores:
        scores: Scores = {}
        for n in self.code_exact.get(code, ()):
            _offer(scores, n, CODE_EXACT, "code")
        for n, offset, _ in self.codes.positions(code):
            base = CODE_PREFIX if offset == 0 else CODE_INSIDE
            _offer(scores, n, base + self._adjust(self.docs[n], True), "code")
        for n in self.dept_codes.find(code):
            _offer(scores, n, CODE_DEPARTMENT + self._adjust(self.docs[n], False), "code")
        return scores

    def search(self, raw: str) -> list[tuple[int, float, str]]:
        """(doc number, score, why) of every match, best first."""
        raw = unicodedata.normalize("NFKC", raw or "")[:MAX_QUERY_CHARS]
        scores: Scores = {}
        code = re.sub(r"\s+", "", raw).upper()
        if _CODE.fullmatch(code) and sum(c.isdigit() for c in code) >= 3:
            scores = self.score_code(code)
        query = self.parse(raw) if not scores else None
        if query is not None:
            for n, (score, why) in self.score_text(query).items():
                _offer(scores, n, score, why)
            letters = query.text
            if _LETTERS.fullmatch(letters):
                for n, (score, why) in self.score_pinyin(letters).items():
                    _offer(scores, n, score, why)
        ranked = sorted(
            scores.items(), key=lambda kv: (-kv[1][0], len(self.docs[kv[0]].core), kv[0])
        )
        return [(n, score, why) for n, (score, why) in ranked]


def _tokenizer() -> Any:
    """jieba's default tokenizer, loaded quietly from its bundled dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt


_lock = threading.Lock()
_index: SearchIndex | None = None


def _fingerprint() -> tuple[Any, ...]:
    """One cheap query: the catalog revision plus counts and change stamps of items and synonyms.

    The counts and stamps make the index follow edits that forgot to bump the revision.
    """
    qn = connection.ops.quote_name
    rev = qn(CatalogRevision._meta.db_table)
    item = qn(ServiceItem._meta.db_table)
    syn = qn(Synonym._meta.db_table)
    sql = (
        f"SELECT (SELECT {qn('revision')} FROM {rev} WHERE {qn('id')} = 1),"
        f" (SELECT COUNT(*) FROM {item}), (SELECT MAX({qn('updated_at')}) FROM {item}),"
        f" (SELECT MAX({qn('id')}) FROM {item}),"
        f" (SELECT COUNT(*) FROM {syn}), (SELECT MAX({qn('updated_at')}) FROM {syn})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return (connection.alias, connection.settings_dict.get("NAME"), *row)


def _build(key: Any) -> SearchIndex:
    items = list(
        ServiceItem.objects.published()
        .order_by("pk")
        .values(
            "pk",
            "name",
            "group",
            "aliases",
            "item_type",
            "audience",
            "department_id",
            "department__name",
            "department__short_name",
            "department__codes",
            "implementation_code",
            "basic_code",
            "handling_code",
        )
    )
    synonyms = list(Synonym.objects.order_by("term").values_list("term", "canonical"))
    return SearchIndex(key, items, synonyms)


def get_index() -> SearchIndex:
    """The current index, rebuilt when the catalog or the synonyms changed."""
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
    """Forget the index (tests; a process that changed the database behind the ORM's back)."""
    global _index
    with _lock:
        _index = None


# When the best hit scores at least STRONG_MATCH, hits below WEAK_TAIL_RATIO of its score are
# dropped: "低保怎么申请" should list the allowance items, not every item containing "申请".
STRONG_MATCH = 600.0
WEAK_TAIL_RATIO = 0.3
WEAK_KINDS = frozenset({"partial", "group", "department", "fuzzy"})


def search_items(
    query: str,
    *,
    limit: int = 20,
    audience: str | None = None,
    department_id: int | None = None,
    item_type: str | None = None,
) -> list[SearchHit]:
    """Items best matching a citizen's words, best first. Only published items."""
    if not query or not query.strip() or limit <= 0:
        return []
    index = get_index()
    named_department, rest = split_department(index, query)
    results = index.search(rest)
    if named_department is not None:
        # The citizen named the department (民政局 低保): its items first, in their order.
        ours = [r for r in results if index.docs[r[0]].department_id == named_department]
        if ours:
            results = ours + [
                r for r in results if index.docs[r[0]].department_id != named_department
            ]
        else:
            results = index.search(query)
    picked: list[tuple[int, float, str]] = []
    for n, score, why in results:
        doc = index.docs[n]
        if audience and doc.audience not in (audience, "both"):
            continue
        if department_id and doc.department_id != int(department_id):
            continue
        if item_type and doc.item_type != item_type:
            continue
        if (
            why in WEAK_KINDS
            and picked
            and picked[0][1] >= STRONG_MATCH
            and score < picked[0][1] * WEAK_TAIL_RATIO
        ):
            # Once something matched well, stray partial matches only bury it.
            continue
        picked.append((doc.pk, score, why))
        if len(picked) >= limit:
            break
    if not picked:
        return []
    items = (
        ServiceItem.objects.published()
        .select_related("department")
        .order_by()  # the ranking gives the order
        .in_bulk([pk for pk, _, _ in picked])
    )
    return [
        SearchHit(item=items[pk], score=round(score, 2), matched=why)
        for pk, score, why in picked
        if pk in items
    ]
