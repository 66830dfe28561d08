"""URL converters from the entity registry: `<records:plural>` matches leads, contacts, companies
and deals (the generic record pages and API), `<entities:plural>` every registered entity."""
from __future__ import annotations

from flask.blueprints import BlueprintSetupState
from werkzeug.routing import AnyConverter, Map

from crm.entities import ENTITIES, REGISTRY


class RecordsConverter(AnyConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, *[e.plural for e in ENTITIES.values()])


class EntitiesConverter(AnyConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, *[e.plural for e in REGISTRY.values()])


def install_converters(state: BlueprintSetupState) -> None:
    """Blueprint.record_once callback: runs before the blueprint's routes are added."""
    state.app.url_map.converters.update(records=RecordsConverter, entities=EntitiesConverter)
