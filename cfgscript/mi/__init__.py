"""The Management Interface: JSON-RPC 2.0 commands and the transports serving them."""
