"""Pure routing primitives: working calendar, SLA deadlines, place extraction.

Nothing here touches the database, the network or Flask: the app loads calendar overrides,
policies and places from its tables and passes them in as plain data.
"""
