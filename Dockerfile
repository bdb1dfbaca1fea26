# The switching engine's images, built from this folder:
#
#   docker build -t switching-engine .                          # production (the default)
#   docker build --target simulator -t switching-simulator .    # the CSS stand-in
#
# The production image holds the engine's processes (worker, receiver, codec server, the
# operator and audit commands, the migrations) and nothing of the dev stack: no embedded PostgreSQL and
# no Temporal dev or test server (the `devstack` extra, which `make run` and `make test`
# install), no dev stack, CSS simulator, benchmarks or tests. PostgreSQL and Temporal are
# services of their own. docker-compose.yml builds both images.

FROM python:3.11.11-slim-bookworm AS engine
WORKDIR /app
COPY pyproject.toml README.md alembic.ini cli.py config.py worker.py ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY eventstore ./eventstore
COPY readmodels ./readmodels
COPY css ./css
COPY enquiry ./enquiry
COPY receiver ./receiver
COPY accounts ./accounts
COPY audit ./audit
COPY ops ./ops
COPY privacy ./privacy
COPY codecserver ./codecserver
COPY observability ./observability
COPY migrations ./migrations
RUN pip install --no-cache-dir .
ENTRYPOINT ["switching"]

# Stands in for the real CSS in the production-like topology; never deployed.
FROM engine AS simulator
COPY simulator ./simulator
RUN pip install --no-cache-dir --no-deps .

# Last, so that a plain `docker build .` makes the production image.
FROM engine AS production
