"""kb_builder: turn Q&A markdown entries into a searchable, cross-linked MkDocs site.

The version is the installed package's (`kb --version`, importlib.metadata)."""
