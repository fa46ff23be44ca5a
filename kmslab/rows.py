"""The few row reads every keystroke makes, in SQL built once per process from the models.

Django's ORM compiles a query each time it runs it: on a small machine about 0.5 ms of CPU for
`Scenario.objects.get(slug=...)`, twenty times what SQLite or PostgreSQL then spend answering it,
and a live simulate read three rows that way (the session, the scenario, the learner's progress).
`get_row` builds its SELECT once per (model, columns, filter) from the model's own metadata
(table, column names, the backend's quoting and its value converters, the fields' own
`get_db_prep_value`), so it reads a row exactly as the ORM would, on SQLite and PostgreSQL, and a
model change reaches it. It covers the shapes the hot paths need (one row, or a count, with
equality, comparison and `__isnull=True` filters, an optional order); everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)

_OPS = {"exact": "=", "gt": ">", "lt": "<", "ne": "<>"}
_Converter = Callable[[Any, Any, Any], Any]
# (model, exclude, lookups, order, alias, vendor) -> (sql, fields, lookup fields, converters)
_COMPILED: dict[tuple[object, ...], tuple[str, list[models.Field[Any, Any]], list[models.Field[Any, Any]],
                                          list[list[_Converter]]]] = {}


def get_row(model: type[M], *, exclude: Sequence[str] = (), order: str = "", using: str = "default",
            **where: object) -> M | None:
    """The first row of `model` matching `where` (`field=value`, or `field__gt=value`, `__lt`,
    `__ne`, `field__isnull=True`), as a model instance with the `exclude`d fields deferred; None
    if there is none. `order` is one field name, `-` in front for descending."""
    connection = connections[using]
    lookups = tuple(where)
    key = (model, tuple(exclude), lookups, order, using, connection.vendor)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(model, tuple(exclude), lookups, order, connection)
    sql, fields, lookup_fields, converters = compiled
    params = _params(lookup_fields, where, connection)
    if params is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return _instance(model, fields, converters, row, using)


def count(model: type[models.Model], *, using: str = "default", **where: object) -> int:
    """How many rows of `model` match `where` (the filters of `get_row`): `SELECT COUNT(*)`."""
    connection = connections[using]
    key = (model, "count", tuple(where), using, connection.vendor)
    compiled = _COUNTS.get(key)
    if compiled is None:
        conditions, lookup_fields = _where(model, tuple(where), connection)
        table = connection.ops.quote_name(model._meta.db_table)
        compiled = _COUNTS[key] = (f"SELECT COUNT(*) FROM {table}" + conditions, lookup_fields)
    sql, lookup_fields = compiled
    params = _params(lookup_fields, where, connection)
    if params is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


_COUNTS: dict[tuple[object, ...], tuple[str, list[Any]]] = {}


def _params(lookup_fields: Sequence[Any], where: dict[str, object], connection: Any) -> list[object] | None:
    """The query's parameters; None when an equality can match no row: an integer out of the
    column's range (an id from a URL such as /quiz/s/99999999999999999999/), as the ORM decides."""
    params = []
    for (lookup, value), field in zip(where.items(), lookup_fields):
        if lookup.endswith("__isnull"):
            if value is not True:  # the SQL says IS NULL: a False would silently mean True
                raise ValueError(f"{lookup}={value!r}: rows supports __isnull=True only")
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = connection.ops.integer_field_range(field.target_field.get_internal_type()
                                                           if field.is_relation else field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                if "__" in lookup:  # only an equality is decided here; callers compare with stored values
                    raise ValueError(f"{lookup}={value}: out of the column's range")
                return None
        params.append(field.get_db_prep_value(value, connection, prepared=False))
    return params


def _where(model: type[models.Model], lookups: tuple[str, ...], connection: Any) -> tuple[str, list[Any]]:
    """The WHERE clause of `lookups` (ANDed) and the field of each, in order."""
    meta, quote = model._meta, connection.ops.quote_name
    table = meta.db_table
    conditions, lookup_fields = [], []
    for lookup in lookups:
        name, _, op = lookup.partition("__")
        field = meta.pk if name == "pk" else meta.get_field(name)
        lookup_fields.append(field)
        column = f"{quote(table)}.{quote(field.column)}"
        conditions.append(f"{column} IS NULL" if op == "isnull" else f"{column} {_OPS[op or 'exact']} %s")
    return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), lookup_fields


def _instance(model: type[M], fields: Sequence[Any], converters: Sequence[Sequence[_Converter]],
              row: Sequence[object], using: str) -> M:
    connection = connections[using]
    values = list(row)
    for i, (field, chain) in enumerate(zip(fields, converters)):
        for convert in chain:
            values[i] = convert(values[i], field, connection)
    return model.from_db(using, [f.attname for f in fields], values)


_RETURNED: dict[tuple[object, ...], tuple[list[Any], list[list[_Converter]]]] = {}


def returning(model: type[models.Model], using: str = "default") -> str:
    """The column list for a hand-written `RETURNING` of every concrete field of `model`, in the
    order `from_returned` reads it back."""
    quote = connections[using].ops.quote_name
    return ", ".join(quote(f.column) for f in model._meta.concrete_fields)


def from_returned(model: type[M], row: Sequence[object], using: str = "default") -> M:
    """The model instance of a row written by `RETURNING {returning(model)}`, read as the ORM would."""
    connection = connections[using]
    key = (model, using, connection.vendor)
    found = _RETURNED.get(key)
    if found is None:
        table = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        found = _RETURNED[key] = (fields, [connection.ops.get_db_converters(f.get_col(table))
                                           + f.get_db_converters(connection) for f in fields])
    return _instance(model, found[0], found[1], row, using)


def _compile(model: type[models.Model], exclude: tuple[str, ...], lookups: tuple[str, ...], order: str,
             connection: Any) -> tuple[str, list[Any], list[Any], list[list[_Converter]]]:
    meta = model._meta
    quote = connection.ops.quote_name
    table = meta.db_table
    fields = [f for f in meta.concrete_fields if f.attname not in exclude and f.name not in exclude]
    conditions, lookup_fields = _where(model, lookups, connection)
    sql = f"SELECT {', '.join(f'{quote(table)}.{quote(f.column)}' for f in fields)} FROM {quote(table)}" + conditions
    if order:
        column = quote(meta.get_field(order.lstrip("-")).column)
        sql += f" ORDER BY {quote(table)}.{column} {'DESC' if order.startswith('-') else 'ASC'}"
    sql += " LIMIT 1"
    converters = [connection.ops.get_db_converters(f.get_col(table)) + f.get_db_converters(connection)
                  for f in fields]
    return sql, fields, lookup_fields, converters


def prepared(model: type[models.Model], name: str, value: object, using: str = "default") -> object:
    """`value` as the database stores `model.name` (JSON, datetimes...), for hand-written SQL."""
    field = model._meta.get_field(name)
    return field.get_db_prep_save(value, connections[using])


# name -> (sql, positions of the parameters, compiler, converters)
_VALUES: dict[tuple[str, str, str], tuple[str, list[int], Any, Any]] = {}


def values(name: str, build: Callable[..., models.QuerySet[Any]], samples: Sequence[object], args: Sequence[object],
           using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of `build(*args)` (a `values_list` QuerySet, for a join `get_row` cannot say), its
    SQL compiled once per process from `build(*samples)`: each sample must be a value no query
    would carry otherwise and appear once among the compiled parameters, where `args` then take
    its place. If the compiled query does not show each sample once, the ORM runs it every time."""
    connection = connections[using]
    key = (name, using, connection.vendor)
    compiled = _VALUES.get(key)
    if compiled is None:
        compiler = build(*samples).query.get_compiler(using)
        sql, params = compiler.as_sql()
        positions = [[i for i, p in enumerate(params) if p == s] for s in samples]
        if any(len(found) != 1 for found in positions) or len(params) != len(samples):
            return [tuple(row) for row in build(*args)]
        order = [next(j for j, found in enumerate(positions) if found[0] == i) for i in range(len(params))]
        converters = compiler.get_converters([col for col, _, _ in compiler.select[:compiler.col_count]])
        compiled = _VALUES[key] = (sql, order, compiler, converters)
    sql, order, compiler, converters = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, [args[j] for j in order])
        rows = cursor.fetchall()
    if compiler.has_extra_select:  # columns the ORDER BY of a DISTINCT needs, as the ORM trims them
        rows = [row[:compiler.col_count] for row in rows]
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    return [tuple(row) for row in rows]
