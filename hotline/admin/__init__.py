"""Administration: the rules and reference data officials change without a developer.

`ENTITIES` names every admin area; `save`, `deactivate` and `delete` are the only way the web
pages and the API change those rows, so each change is validated, audited and seen by workers.
"""

from __future__ import annotations

from hotline.admin.catalogue import LINES, STOP_WORDS, TOPICS
from hotline.admin.entity import Entity, Registry
from hotline.admin.org import UNITS, USERS
from hotline.admin.places import PLACES
from hotline.admin.risk import DUTY, RISKS
from hotline.admin.routing import DAYS, RULES, SLA, YEARS
from hotline.admin.surges import SURGE_RULES

ENTITIES = Registry({
    "units": UNITS, "users": USERS, "topics": TOPICS, "rules": RULES, "sla": SLA,
    "days": DAYS, "years": YEARS, "lines": LINES, "stopwords": STOP_WORDS,
    # risk triage (issue 19)
    "risks": RISKS, "duty": DUTY,
    # the gazetteer's points (issue 18: the map)
    "places": PLACES,
    # 未诉先办: when a street's calls about a topic jump (issue 18)
    "surges": SURGE_RULES,
})

find = ENTITIES.find
rows = ENTITIES.rows
save = ENTITIES.save
deactivate = ENTITIES.deactivate
delete = ENTITIES.delete

__all__ = ["ENTITIES", "Entity", "deactivate", "delete", "find", "rows", "save"]
