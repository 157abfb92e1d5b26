"""kb_builder: turn Q&A markdown entries into a searchable, cross-linked MkDocs site."""

__version__ = "0.1.0"
