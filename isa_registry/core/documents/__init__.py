"""Documents made from the registry: the agreement itself, privacy-notice sections, the public register.

Each is built as a plain :class:`.model.Document` by a pure function, then written as Word
(:mod:`.docx`), HTML and PDF (:mod:`.html`) or Markdown (:mod:`.markdown`) to a stream.
"""
