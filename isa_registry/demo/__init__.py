"""Demo data: the Dudley safeguarding partnership registry built from its published privacy notices."""
