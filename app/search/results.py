"""The search interface's values: what is asked, what comes back (no Whoosh here)."""

from dataclasses import dataclass, field


@dataclass
class SearchRequest:
    text: str
    page: int = 1
    per_page: int = 10
    filters: dict[str, str] = field(default_factory=dict)  # type, category, phase, sector
    # Synonyms: (other term, the term typed it stands for), ranked below the words typed.
    expansions: list[tuple[str, str]] = field(default_factory=list)
    all_drafts: bool = False  # reviewers see every draft
    draft_organisations: list[int] = field(default_factory=list)  # employers: their own


@dataclass
class Hit:
    key: str
    type: str
    slug: str
    title: str
    summary: str
    excerpt_html: str
    url: str
    category: str
    phase: str
    sector: str
    organisation: str
    status: str
    score: float


@dataclass
class SearchResults:
    request: SearchRequest
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    pages: int = 0
    suggestion: str | None = None  # « Vouliez-vous dire … »
    corrected_from: str | None = None  # nothing matched the words typed: showing this instead
