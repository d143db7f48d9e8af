.PHONY: demo test lint format bench messages
demo:        ## set up and start the demo (SQLite)
	./scripts/demo
test:        ## the whole suite: lint, checks, SQLite, PostgreSQL, browser
	./scripts/test
lint:
	.venv/bin/ruff check src tests bench conftest.py && .venv/bin/ruff format --check src tests bench conftest.py
format:
	.venv/bin/ruff check --fix src tests bench conftest.py && .venv/bin/ruff format src tests bench conftest.py
messages:    ## extract UI strings into the .po files and compile them
	.venv/bin/python -m onewindow sync_translations
bench:       ## catalog benchmark on PostgreSQL (DATABASE_URL) and SQLite
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} .venv/bin/python bench/catalog.py
	DATABASE_URL= .venv/bin/python bench/catalog.py
