"""Group similar short texts with character n-gram TF-IDF (no Django, no model download).

Character n-grams of 2 to 4 inside word boundaries (``char_wb``, sublinear tf) work for
Japanese, which has no spaces to split words on, as well as for English: "請求書の一括ダウンロード"
and "請求書を一括でダウンロードしたい" share most of their n-grams. Before that, a space is put
wherever the script changes (kanji, hiragana, katakana, Latin letters and digits), so that
"Slack連携" and "通知をSlackに送りたい" both contain the word "slack", and the words every request
is phrased with (particles, したい/ほしい/対応/機能, "add", "support", "the"...) are dropped: they
say nothing about *what* is asked, and in a small set of requests they weigh as much as the
subject. Texts are compared by cosine similarity.

Groups are made by complete-linkage agglomerative clustering: two groups are merged only while
*every* pair of their members is more similar than ``threshold``. Unlike connected components
(single linkage), a chain A~B~C does not put A and C together when A and C differ, so one
generic word ("ダウンロード", "export") cannot merge unrelated asks into one ARR-inflating group.

The pairwise matrix is n x n: memory and time grow with the square of the number of texts
(3,000 texts: about 250 MB and 1-2 seconds, measured); fine for the open requests of one
company, not for millions.
"""

from __future__ import annotations

import unicodedata

import numpy as np

# Minimum cosine similarity between any two members of a group. Tuned on the labelled titles in
# tests/feedback/similarity_cases.py: 0.3 to 0.375 keeps every known duplicate together and every
# known unrelated pair apart on the whole set; 0.35 and above also keeps the audit's four CSV and
# invoice titles right when they are the only requests (a small set weighs shared words more).
DEFAULT_THRESHOLD = 0.35

# Request phrasing, not subject: particles and "I want / please support" words, as the words
# that split_scripts leaves ("欲しい" -> "欲 しい", "送りたい" -> "送 りたい").
FILLER_WORDS = frozenset({
    "を", "の", "で", "に", "が", "と", "は", "へ", "したい", "ほしい", "してほしい", "欲", "しい", "たい",
    "りたい", "対応", "機能",
    "i", "we", "want", "to", "please", "add", "the", "a", "an", "of", "for", "with", "as", "in", "is",
    "all", "support", "feature",
})


def normalize(text: str) -> str:
    # NFKC folds full-width Latin letters and digits and half-width katakana into one form.
    return unicodedata.normalize("NFKC", text).lower().strip()


def _script(char: str) -> str:
    if char.isspace():
        return " "
    name = unicodedata.name(char, "")
    if name.startswith("HIRAGANA"):
        return "hiragana"
    if name.startswith("KATAKANA") or char == "ー":
        return "katakana"
    if name.startswith("CJK"):
        return "kanji"
    if char.isalnum():
        return "latin"
    return "punct"


def split_scripts(text: str) -> str:
    """``text`` normalised, with a space wherever the script changes and instead of punctuation.

    "通知をslackに送りたい" becomes "通知 を slack に 送 りたい": Japanese has no spaces, and this
    crude split is enough for ``char_wb`` to see "slack" (or "csv", "sso") as a word of its own.
    """
    out: list[str] = []
    previous = None
    for char in normalize(text):
        script = _script(char)
        if script in (" ", "punct"):
            out.append(" ")
            previous = None
            continue
        if previous is not None and script != previous:
            out.append(" ")
        out.append(char)
        previous = script
    return " ".join("".join(out).split())


def matching_form(text: str) -> str:
    """What titles are compared on: ``split_scripts`` without ``FILLER_WORDS`` (unless nothing is left)."""
    words = split_scripts(text).split()
    return " ".join([w for w in words if w not in FILLER_WORDS] or words)


def similarity_matrix(texts: list[str]) -> np.ndarray:
    """Cosine similarities between ``texts`` (n x n, ones on the diagonal for non-empty texts)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    cleaned = [matching_form(t) for t in texts]
    if len(cleaned) == 0:
        return np.zeros((0, 0))
    if not any(len(t) >= 2 for t in cleaned):
        return np.eye(len(cleaned))
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(cleaned)
    return np.asarray(cosine_similarity(vectors))


def group_texts(texts: list[str], *, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Indices of ``texts`` grouped by similarity; every index is in exactly one group.

    Groups keep the order of their first member; members keep their input order.
    """
    return clusters(similarity_matrix(texts), threshold=threshold)


def clusters(sims: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Complete-linkage groups: every two members of a group are more similar than ``threshold``.

    Deterministic for a given input order. Groups keep the order of their first member; members
    keep their input order.
    """
    from sklearn.cluster import AgglomerativeClustering

    n = sims.shape[0]
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    distances = np.clip(1.0 - sims, 0.0, None)
    np.fill_diagonal(distances, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="complete", distance_threshold=1.0 - threshold,
    ).fit_predict(distances)
    return _by_label(labels)


def components(sims: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Connected components of the graph linking pairs whose similarity is at least ``threshold``.

    Single linkage: it chains unrelated texts through intermediate ones, so the ranking no longer
    uses it (see ``clusters``). Kept for callers that want the transitive closure on purpose.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if sims.shape[0] == 0:
        return []
    _, labels = connected_components(csr_matrix(sims >= threshold), directed=False)
    return _by_label(labels)


def _by_label(labels) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


def medoid(indices: list[int], sims: np.ndarray) -> int:
    """The member most similar to the others: the group's most typical wording."""
    if len(indices) == 1:
        return indices[0]
    sub = sims[np.ix_(indices, indices)]
    return indices[int(np.argmax(sub.sum(axis=1)))]
