"""Test collection settings shared by the whole suite."""

# The scripts under tests/reference generate frozen inputs for the R references. They are run
# by hand, never imported by the suite (doctest collection would execute and rewrite them).
collect_ignore = ["reference"]
