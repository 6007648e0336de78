# The kg API image used by docker-compose.yml's `api` service.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md docker-compose.yml ./
COPY kg ./kg
COPY schema ./schema
COPY queries ./queries
COPY importers ./importers
COPY api ./api
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["sh", "-c", "kg db migrate && kg import all && kg serve --host 0.0.0.0 --port 8000 --workers 2"]
