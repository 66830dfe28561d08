"""URL converters from the entity registry: `<records:plural>` matches leads, contacts, companies
and deals (the generic record pages and API), `<entities:plural>` every registered entity;
`<int:...>` bounded to the ids the database holds."""
from __future__ import annotations

from flask.blueprints import BlueprintSetupState
from werkzeug.routing import AnyConverter, IntegerConverter, Map

from crm.entities import ENTITIES, REGISTRY

MAX_ID = 2**31 - 1  # ids are PostgreSQL `integer`s


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` up to MAX_ID: a larger number is no route (404), not an overflow in the database (500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


class RecordsConverter(AnyConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, *[e.plural for e in ENTITIES.values()])


class EntitiesConverter(AnyConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, *[e.plural for e in REGISTRY.values()])


def install_converters(state: BlueprintSetupState) -> None:
    """Blueprint.record_once callback: runs before the blueprint's routes are added."""
    state.app.url_map.converters.update(records=RecordsConverter, entities=EntitiesConverter,
                                        int=BoundedIntConverter)
