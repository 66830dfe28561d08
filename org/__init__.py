"""Users, departments (a tree), API tokens: the company structure."""
