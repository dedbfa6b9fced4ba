"""Pure domain logic: no Flask, no database session. Easy to test exhaustively."""
