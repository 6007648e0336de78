"""Dashboards' views: embeddable pages and JSON feeds over the export's selections (kg/export), the map, the
home page and source pages; their words in English, German and French; the front-end assets kg serves itself."""
