# creditflow: one image for `serve`, `worker` and every other command.
# Build: docker build -t creditflow .   (see docs/deploy.md)

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/creditflow
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
# Every dependency at the version pinned in constraints.txt.
RUN /opt/creditflow/bin/pip install --constraint constraints.txt .

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 creditflow \
    && useradd --system --uid 10001 --gid creditflow --home-dir /var/lib/creditflow \
       --create-home --shell /usr/sbin/nologin creditflow
COPY --from=build /opt/creditflow /opt/creditflow
ENV PATH=/opt/creditflow/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CREDITFLOW_OUTBOX_DIR=/var/lib/creditflow/outbox
WORKDIR /var/lib/creditflow
USER 10001:10001
EXPOSE 8000 9100
ENTRYPOINT ["creditflow"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
