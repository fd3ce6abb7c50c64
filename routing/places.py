"""Find the district, street and community a ticket is about, from the city's own list of names.

Matching is plain substring search over names and aliases, longest first: citizens write
"朝阳门" (a street of 东城区) far more often than anything a tokenizer knows, and the longest
reading is the one they meant ("朝阳门" contains the district alias "朝阳"). Text is NFKC
normalised and case-folded so full-width "Ａ１" finds alias "A1". When the text names two
districts the answer is None: a wrong district sends the ticket to the wrong government, which
costs more than asking a person. A community (社区/村) name pins its street and district
like a street's name does, and is kept only when it lies in the street decided.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class PlaceMatch:
    district_code: str | None
    street_code: str | None
    matched: str | None
    """The name or alias, as written in the gazetteer, that decided the most specific code."""
    field: str | None = None
    """Where `matched` was found: "address" or "content" (the citizen's words)."""
    community_code: str | None = None
    """The community (社区/村) of that street the words name, when they name exactly one."""


NO_MATCH = PlaceMatch(None, None, None)


@dataclass(frozen=True)
class Community:
    """A community (社区/村) of the gazetteer and the street and district it lies in."""

    code: str
    street_code: str
    district_code: str


@dataclass(frozen=True)
class _Place:
    district_code: str
    street_code: str | None
    community_code: str | None = None


@dataclass(frozen=True)
class _Entry:
    word: str
    places: tuple[_Place, ...]


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    entry: _Entry

    @property
    def districts(self) -> frozenset[str]:
        return frozenset(place.district_code for place in self.entry.places)

    @property
    def streets(self) -> tuple[_Place, ...]:
        """Streets this hit pins; none if the word also names a district, the broader reading."""
        if any(place.street_code is None for place in self.entry.places):
            return ()
        return self.entry.places


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def name_key(word: str) -> str:
    """The form in which a name or alias is matched (NFKC, case-folded, trimmed): two words
    with the same key are one word to the gazetteer."""
    return _normalise(word).strip()


class Gazetteer:
    """The city's districts, streets and communities, indexed by every name and alias."""

    def __init__(self, entries: Mapping[str, _Entry],
                 communities: Mapping[str, Community] | None = None) -> None:
        self._entries = dict(entries)
        # Keys by their first character: a text is searched only for the words that start
        # with one of its characters (one str.find per word of the city was 4 % of routing).
        self._by_first: dict[str, list[tuple[str, _Entry]]] = {}
        for key, entry in self._entries.items():
            self._by_first.setdefault(key[0], []).append((key, entry))
        self._communities = dict(communities or {})

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> "Gazetteer":
        """Build from ``{"code", "name", "aliases", "streets": [{"code", "name", "aliases",
        "communities": [{"code", "name", "aliases"}]}]}``.

        The same alias may belong to several streets (many cities have two 八里庄街道); it then
        pins a street only together with its district.
        """
        entries: dict[str, _Entry] = {}
        codes: set[str] = set()
        communities: dict[str, Community] = {}

        def add(record: Mapping[str, Any], place: _Place) -> None:
            code = record["code"]
            if code in codes:
                raise ValueError(f"duplicate place code {code!r}")
            codes.add(code)
            for word in (record["name"], *record.get("aliases", ())):
                key = name_key(word)
                if not key:
                    raise ValueError(f"empty name or alias in place {code!r}")
                known = entries.get(key, _Entry(word, ()))
                if place not in known.places:
                    entries[key] = _Entry(known.word, (*known.places, place))

        for district in records:
            add(district, _Place(district["code"], None))
            for street in district.get("streets", ()):
                add(street, _Place(district["code"], street["code"]))
                for community in street.get("communities", ()):
                    add(community, _Place(district["code"], street["code"], community["code"]))
                    communities[community["code"]] = Community(
                        community["code"], street["code"], district["code"])
        return cls(entries, communities)

    def community(self, code: str | None) -> Community | None:
        """The community with that code, with its street and district; None for any other
        code (a street's, a district's, an unknown one)."""
        return self._communities.get(code or "")

    def words(self) -> tuple[str, ...]:
        """Every distinct name and alias, for the jieba user dictionary."""
        return tuple(sorted({entry.word for entry in self._entries.values()}))

    def find(self, text: str, address: str | None = None) -> PlaceMatch:
        """The place ``address`` names, else the one ``text`` names.

        The address is what the agent or citizen typed as the location, so it wins; when it
        gives only a district, a street of that district mentioned in the text still counts,
        and when it gives a street, a community of that street in the text does.
        """
        if address:
            from_address = replace(_resolve(self._hits(address)), field="address")
            if from_address.district_code is not None:
                text_hits = self._hits(text)
                from_text = _resolve(text_hits, within=from_address.district_code)
                if from_address.street_code is not None:
                    if from_address.community_code is None:
                        # A community of that street, even by a name another street's shares.
                        return replace(from_address, community_code=_single_community(
                            text_hits, from_address.district_code, from_address.street_code))
                    return from_address
                if from_text.street_code is not None:
                    return replace(from_text, field="content")
                return from_address
        found = _resolve(self._hits(text))
        return replace(found, field="content") if found.matched is not None else found

    def _hits(self, text: str) -> list[_Hit]:
        """Non-overlapping occurrences, longest words claiming their characters first."""
        normalised = _normalise(text)
        found = []
        candidates = (pair for char in set(normalised) for pair in self._by_first.get(char, ()))
        for key, entry in candidates:
            start = normalised.find(key)
            while start >= 0:
                found.append(_Hit(start, start + len(key), entry))
                start = normalised.find(key, start + 1)
        found.sort(key=lambda hit: (hit.start - hit.end, hit.start))
        claimed = [False] * len(normalised)
        chosen = []
        for hit in found:
            if not any(claimed[hit.start : hit.end]):
                claimed[hit.start : hit.end] = [True] * (hit.end - hit.start)
                chosen.append(hit)
        return sorted(chosen, key=lambda hit: hit.start)


def _resolve(hits: list[_Hit], within: str | None = None) -> PlaceMatch:
    """Decide one district (and street) from the hits, or None when they disagree."""
    district = within or _single_district(hits)
    if district is None:
        return NO_MATCH
    street_hits: dict[str | None, _Hit] = {}
    for hit in hits:
        for place in hit.streets:
            # The street's own name, when written, is the word that found the street.
            if place.district_code == district and (
                    place.street_code not in street_hits or place.community_code is None):
                street_hits[place.street_code] = hit
    if len(street_hits) == 1:
        ((street, hit),) = street_hits.items()
        return PlaceMatch(district, street, hit.entry.word,
                          community_code=_single_community(hits, district, street))
    named = next((hit.entry.word for hit in hits if district in hit.districts), None)
    return PlaceMatch(district, None, named)


def _single_community(hits: list[_Hit], district: str, street: str | None) -> str | None:
    """The one community of that street the hits name; None for none or two."""
    found = {place.community_code for hit in hits for place in hit.entry.places
             if place.community_code is not None and place.district_code == district
             and place.street_code == street}
    return next(iter(found)) if len(found) == 1 else None


def _single_district(hits: list[_Hit]) -> str | None:
    """A word naming one district is decisive; ambiguous street names only narrow the field."""
    definite = {district for hit in hits if len(hit.districts) == 1 for district in hit.districts}
    if len(definite) == 1:
        return next(iter(definite))
    if definite or not hits:
        return None
    common = frozenset.intersection(*(hit.districts for hit in hits))
    return next(iter(common)) if len(common) == 1 else None
