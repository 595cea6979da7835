"""Plain service functions: they know the database and each other, never HTTP."""
