"""sync_protocol.wire."""
