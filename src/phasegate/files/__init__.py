"""Files in and out: safe reading, JSON and YAML with positions, schemas, durable writes,
digests. Below the core, so every layer reads and writes files one way."""
