"""The words of kg's pages in English, German and French: headings, legends, buttons, labels, relationship types,
roles and factor names. Data (names, quotes) stays in the language of its source.

``?lang=`` chooses; without it the browser's ``Accept-Language`` does; English otherwise.

Example:
    >>> choose_language(None, "de-AT,de;q=0.9,en;q=0.5")
    'de'
    >>> words("fr")["label.City"]
    'Ville'
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "de", "fr")
DEFAULT: Final = "en"

_WORDS: Final[dict[str, tuple[str, str, str]]] = {
    # page furniture
    "intro": (
        "kg is a knowledge base of European smart cities, the EU lighthouse projects they take part in, the "
        "barriers they face and the solutions that overcame them.",
        "kg ist eine Wissensbasis europäischer Smart Cities, der EU-Leuchtturmprojekte, an denen sie teilnehmen, "
        "der Hürden, vor denen sie stehen, und der Lösungen, die sie überwunden haben.",
        "kg est une base de connaissances des villes intelligentes européennes, des projets phares de l'UE "
        "auxquels elles participent, des obstacles qu'elles rencontrent et des solutions qui les ont surmontés.",
    ),
    "purpose": (
        "A follower city finds which lighthouse city already solved the barrier it faces, how, and with what evidence.",
        "Eine Folgestadt findet, welche Leuchtturmstadt ihre Hürde schon überwunden hat, wie und mit welchen Belegen.",
        "Une ville suiveuse trouve quelle ville phare a déjà surmonté son obstacle, comment et avec quelles preuves.",
    ),
    "home": ("Home", "Startseite", "Accueil"),
    "counts": ("The knowledge base", "Die Wissensbasis", "La base de connaissances"),
    "kb_version": ("Knowledge-base version", "Version der Wissensbasis", "Version de la base"),
    "lighthouses": ("Lighthouse cities", "Leuchtturmstädte", "Villes phares"),
    "followers": ("Follower cities", "Folgestädte", "Villes suiveuses"),
    "match_list": ("matches", "Treffer", "correspondances"),
    "graphiql": (
        "Query the graph (GraphiQL)",
        "Den Graphen abfragen (GraphiQL)",
        "Interroger le graphe (GraphiQL)",
    ),
    "map": ("Map of the cities", "Karte der Städte", "Carte des villes"),
    "map_pick": ("Show the matches of", "Treffer anzeigen für", "Afficher les correspondances de"),
    "map_outside": ("Outside the map", "Außerhalb der Karte", "Hors de la carte"),
    "map_missing": ("Without coordinates", "Ohne Koordinaten", "Sans coordonnées"),
    "map_size": ("Larger: more solutions", "Größer: mehr Lösungen", "Plus grand : plus de solutions"),
    "none": ("none", "keine", "aucune"),
    "loading": ("Loading…", "Wird geladen…", "Chargement…"),
    "nodes": ("nodes", "Knoten", "nœuds"),
    "relationships": ("relationships", "Beziehungen", "relations"),
    "search": ("Search names and passages", "Namen und Textstellen suchen", "Chercher noms et passages"),
    "expand": ("Show neighbours", "Nachbarn zeigen", "Afficher les voisins"),
    "legend": ("Legend", "Legende", "Légende"),
    "details": ("Details", "Details", "Détails"),
    "nodes_table": ("Nodes", "Knoten", "Nœuds"),
    "facts_table": ("Facts and their sources", "Fakten und ihre Quellen", "Faits et leurs sources"),
    "column.label": ("Kind", "Art", "Type"),
    "column.name": ("Name", "Name", "Nom"),
    "column.from": ("From", "Von", "De"),
    "column.fact": ("Fact", "Fakt", "Fait"),
    "column.to": ("To", "Zu", "Vers"),
    "column.sources": ("Passages", "Textstellen", "Passages"),
    "timeline": ("Timeline", "Zeitverlauf", "Chronologie"),
    "solutions": ("solutions", "Lösungen", "solutions"),
    "source": ("Source", "Quelle", "Source"),
    "passages": ("Stored passages", "Gespeicherte Textstellen", "Passages enregistrés"),
    "cites": ("cited for", "belegt", "cité pour"),
    "reason": ("Why this match", "Warum dieser Treffer", "Pourquoi cette correspondance"),
    "title.city": ("City", "Stadt", "Ville"),
    "title.project": ("Project", "Projekt", "Projet"),
    "title.field": ("Thematic field", "Themenfeld", "Domaine thématique"),
    "title.solution": ("Solution", "Lösung", "Solution"),
    "title.match": ("Match", "Treffer", "Correspondance"),
    "title.candidates": (
        "Cities facing this solution's barrier",
        "Städte mit der Hürde dieser Lösung",
        "Villes face à l'obstacle de cette solution",
    ),
    "title.graph": ("Graph", "Graph", "Graphe"),
    # labels
    "label.City": ("City", "Stadt", "Ville"),
    "label.Project": ("Project", "Projekt", "Projet"),
    "label.Network": ("Network", "Netzwerk", "Réseau"),
    "label.Organisation": ("Organisation", "Organisation", "Organisation"),
    "label.ThematicField": ("Thematic field", "Themenfeld", "Domaine thématique"),
    "label.Challenge": ("Challenge", "Hürde", "Obstacle"),
    "label.Solution": ("Solution", "Lösung", "Solution"),
    "label.BestPractice": ("Best practice", "Bewährte Praxis", "Bonne pratique"),
    "label.Driver": ("Driver", "Treiber", "Moteur"),
    "label.Event": ("Event", "Veranstaltung", "Événement"),
    "label.Source": ("Source", "Quelle", "Source"),
    "label.StatusReport": ("Status report", "Statusbericht", "Rapport d'avancement"),
    # relationship types
    "type.PARTICIPATES_IN": ("takes part in", "nimmt teil an", "participe à"),
    "type.PARTNER_IN": ("partner in", "Partner in", "partenaire de"),
    "type.LOCATED_IN": ("located in", "ansässig in", "situé à"),
    "type.MEMBER_OF": ("member of", "Mitglied von", "membre de"),
    "type.PART_OF": ("part of", "Teil von", "fait partie de"),
    "type.WORKS_ON": ("works on", "arbeitet an", "travaille sur"),
    "type.FACES": ("faces", "steht vor", "fait face à"),
    "type.NEEDS": ("needs", "braucht", "a besoin de"),
    "type.DRIVEN_BY": ("driven by", "getrieben von", "porté par"),
    "type.IN_FIELD": ("in field", "im Feld", "dans le domaine"),
    "type.RELATED_TO": ("related to", "verwandt mit", "lié à"),
    "type.IMPLEMENTED_IN": ("implemented in", "umgesetzt in", "mis en œuvre à"),
    "type.ADDRESSES": ("addresses", "adressiert", "répond à"),
    "type.LEARNED_FROM": ("learned from", "gelernt aus", "tiré de"),
    "type.HELD_IN": ("held in", "abgehalten in", "tenu à"),
    "type.ORGANISED_BY": ("organised by", "organisiert von", "organisé par"),
    "type.DISCUSSED": ("discussed", "besprochen", "a discuté"),
    "type.HAS_REPORT": ("has report", "hat Bericht", "a pour rapport"),
    "type.REPORTS": ("reports", "berichtet", "signale"),
    "type.ATTENDED": ("attended", "nahm teil an", "a assisté à"),
    "type.SOURCED_FROM": ("stated in", "belegt in", "cité dans"),
    "type.SIMILAR_TO": ("worded alike", "ähnlich formuliert", "formulé de façon proche"),
    # roles
    "role.lighthouse": ("lighthouse", "Leuchtturm", "phare"),
    "role.follower": ("follower", "Folgestadt", "suiveuse"),
    "role.both": ("lighthouse and follower", "Leuchtturm und Folgestadt", "phare et suiveuse"),
    "role.other": ("other", "andere", "autre"),
    # replication factors
    "factor.challenges": ("Shared challenges", "Gemeinsame Hürden", "Obstacles communs"),
    "factor.needs": ("Met needs", "Erfüllte Bedarfe", "Besoins couverts"),
    "factor.channel": (
        "Shared project or network",
        "Gemeinsames Projekt oder Netzwerk",
        "Projet ou réseau commun",
    ),
    "factor.thematic": ("Thematic fit", "Thematische Nähe", "Proximité thématique"),
    "factor.context": ("Similar context", "Ähnlicher Kontext", "Contexte similaire"),
}


def words(language: str) -> dict[str, str]:
    """Every page word in ``language`` (an unknown language gets English)."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 0
    return {key: texts[index] for key, texts in _WORDS.items()}


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it is one of ours, else the browser's most preferred one we have, else English."""
    if asked and asked.lower()[:2] in LANGUAGES:
        return asked.lower()[:2]
    preferences: list[tuple[float, str]] = []
    for part in (accept_language or "")[:500].split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        preferences.append((weight, tag.strip().lower()[:2]))
    for _, tag in sorted(preferences, key=lambda item: -item[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT
