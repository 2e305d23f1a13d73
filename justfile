# Run `just` to list recipes.
default:
    @just --list

# The whole test suite (the README's test command).
test *ARGS:
    uv run pytest {{ARGS}}

# ruff, mypy --strict and the import-linter layering contracts.
lint:
    uv run ruff check .
    uv run ruff format --check .
    uv run mypy
    uv run lint-imports

# Format the code.
fmt:
    uv run ruff format .
    uv run ruff check --fix .

# Run the benchmarks and print their numbers (see BENCHMARKS.md).
bench:
    uv run python bench/run_all.py
