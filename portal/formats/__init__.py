"""Date formats, one per language (settings.FORMAT_MODULE_PATH): "2 Dec 2026" and "2 dic 2026".

Only the display formats are set here; input formats and the rest come from Django's own locale files.
"""
