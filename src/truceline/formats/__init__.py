"""The interchange formats of ``docs/formats/`` as validated records, and their readers.

``records`` holds the pydantic models (pure); ``readers`` turns files and request bodies
into records with errors that name the source, the line and the field.
"""
