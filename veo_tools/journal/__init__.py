"""The durable ledger of every task: the SQLite store and its versioned schema."""
