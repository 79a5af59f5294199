"""Each role's home page: the numbers that answer their first question, and small charts."""
