"""sync_protocol.coach."""
