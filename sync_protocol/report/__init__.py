"""sync_protocol.report."""
