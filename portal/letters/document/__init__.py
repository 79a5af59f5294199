"""The letter as a document: what it says and how it is drawn into a PDF. Pure: no database,
no Flask."""
