"""Channel clients: one module per APIYI channel, same method names on both."""
