"""Catalog spreadsheets: read, validate and import; export (format: docs/catalog-template.md).

- `columns`: the template's tables and columns, and how a cell becomes a value.
- `reading`: .xlsx, .csv, .zip of CSVs or a directory of CSVs → raw tables.
- `importing`: validate everything, then write all of it in one transaction (or nothing).
- `exporting`: the catalog (or a blank template) → .xlsx, .zip or .csv.
"""
