"""Analysis (information): which instances reach which, and single points of failure."""
