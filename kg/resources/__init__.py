"""Files shipped with kg (the Maven pom that pins the Neo4j runtime)."""
