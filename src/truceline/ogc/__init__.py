"""OGC API – Features (Part 1 Core, Part 2 CRS by reference) and streamed exports for GIS users.

The HTTP routes (``truceline.api.routes.ogc`` and ``.exports``) are thin: the request's query
string is parsed here (``params``), collections are looked up in a registry (``collections``)
that any record kind joins with a few lines, and the documents a client reads are built by
pure functions (``documents``, ``openapi``). See docs/ogc.md.
"""
