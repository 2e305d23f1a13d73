# habit-server: the sync server of the terminal habit tracker.
#   docker build -t habit-server .
#   docker run -e SECRET_KEY=... -e DATABASE_URL=postgresql://... -p 8000:8000 habit-server
# Without DATABASE_URL the server keeps a SQLite file in /data (mount a volume there). Without
# REDIS_URL it runs one worker (WORKERS defaults to 2 with Redis, 1 without). Secrets can come from
# files (Docker secrets): SECRET_KEY_FILE, DATABASE_URL_FILE, REDIS_URL_FILE. The user is uid/gid 10001.
FROM python:3.11-slim AS build

RUN pip install --no-cache-dir "uv>=0.9"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first (cached while only the code changes): the base install plus the server extra.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --extra server --no-install-project
COPY habit_server ./habit_server
COPY sync_protocol ./sync_protocol
COPY habit_tui ./habit_tui
RUN uv sync --locked --no-dev --extra server --no-editable


FROM python:3.11-slim

RUN groupadd --system --gid 10001 habit \
    && useradd --system --uid 10001 --gid habit --home-dir /data --create-home habit
COPY --from=build --chown=root:root /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    XDG_DATA_HOME=/data
USER habit
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
# Migrate, then serve (both read DATABASE_URL, REDIS_URL, SECRET_KEY from the environment).
CMD ["sh", "-c", "habit-server migrate && exec habit-server --host \"$HOST\" --port \"$PORT\" --workers \"${WORKERS:-$([ -n \"$REDIS_URL$REDIS_URL_FILE\" ] && echo 2 || echo 1)}\""]
